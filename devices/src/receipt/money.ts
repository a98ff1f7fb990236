/** "1 234.50" — minor units to a receipt string with a thin grouping that every code page has (a space). */
export function formatMinor(amount: number, fractionDigits = 2): string {
  const sign = amount < 0 ? '-' : '';
  const abs = Math.abs(amount);
  const div = 10 ** fractionDigits;
  const whole = Math.floor(abs / div).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ' ');
  return fractionDigits ? `${sign}${whole}.${String(abs % div).padStart(fractionDigits, '0')}` : `${sign}${whole}`;
}

export function formatQty(qtyMilli: number): string {
  return qtyMilli % 1000 === 0 ? String(qtyMilli / 1000) : (qtyMilli / 1000).toFixed(3);
}
