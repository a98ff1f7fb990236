// Messages of what a shop owner expects on day one (issue 13): stock documents with batches and
// confirmations, catalogue setup, promotions, till workflow, printing, reports. Merged into the
// plugin's messages by messages.ts; every key in all four languages (test/ui-messages.test.ts).
const en = {
  labels: {
    print: 'Print labels', title: 'Labels for {n} product(s)', kind: 'What to print', barcode: 'Barcode labels', shelf: 'Shelf price tags', register: 'Printer of the register', copies: 'Copies',
    done: '{n} label(s) sent to the printer', noPrinter: 'No label printer: bind {role} to a printer under Devices → Roles', pick: 'Tick the products to label',
  },
  terminals: { title: 'Card terminals', add: 'Add a terminal', name: 'Name (e.g. Halyk POS)', allStores: 'All stores', none: 'No card terminals yet: card payments are then just “Card”', archive: 'Remove' },
  print: { report: 'Print', sent: 'Sent to the printer', failed: 'Not printed: {error}' },
  kaspi: { show: 'Show the QR', waiting: 'Waiting for the customer to pay in Kaspi…', paid: 'Paid {amount}', failed: 'Not paid: show a new QR or take another tender', terminal: 'Terminal' },
  review: {
    filter: 'Review', title: 'Offline sale to review', hint: 'Made offline: the sale happened, but something in it could not be checked.', atStake: 'At stake: {amount}',
    approve: 'Approve', reject: 'Reject', note: 'Note (optional)', done: 'Decision saved', decidedBy: '{status} · {at}',
    status: { flagged: 'To review', approved: 'Approved', rejected: 'Rejected' },
    reason: {
      PRICE_NOT_IN_HISTORY: 'Line {line}: sold at {sent}; the price then was {then}', OUTSIDE_SHIFT: 'Made at {at}, outside the shift (opened {opened})',
      DISCOUNT_OVER_LIMIT: 'A discount of {discount} above the limit of {max}', unknownPrice: 'unknown',
      PROMOTION_NOT_VALID: 'Promotions the shop did not have in force then: {difference}',
    },
  },
  till: {
    cashDue: 'In cash: {amount} (rounded {rounding})', rounding: 'Cash rounding', toReview: 'Offline sales to review: {n}'
  },
  cat: {
    trackBatches: 'Track batches and expiry (FEFO)', trackBatchesLocked: 'Fixed once the product has stock history', supplier: 'Supplier', photo: 'Photo', photoAdd: 'Add a photo', photoChange: 'Change photo',
    photoHint: 'PNG, JPEG or WebP up to 10 MB', wholeNumber: 'A whole number', badQty: 'A quantity above zero', badAmount: 'An amount, e.g. 1250.50',
  },
  doc: {
    supplier: 'Supplier', noSupplier: 'No supplier', lot: 'Lot', expiresOn: 'Best before', unitCost: 'Cost per unit', reason: 'Reason',
    qtyPcs: 'Quantity, pcs', qtyUnit: 'Quantity, {unit}', wholePieces: 'Whole pieces only', tooLarge: 'At most {max}', badQty: 'A quantity above zero',
    batchTracked: 'Tracked by batches: give the lot and the date', largeTitle: 'Check the quantities', largeHint: 'These differ a lot from what the store holds:', largeLine: '{name}: {qty} (in stock {book})',
    largeConfirm: 'Yes, post them', adjust: 'Write-off / adjustment', adjustHint: 'Minus writes off, plus adds found stock',
    reasons: { writeoff: 'Write-off', damaged: 'Damaged', expired: 'Expired', lost: 'Lost', found: 'Found', correction: 'Correction', other: 'Other' },
  },
};
type Messages = typeof en;

const ru: Messages = {
  labels: {
    print: 'Печать этикеток', title: 'Этикетки для товаров: {n}', kind: 'Что печатать', barcode: 'Этикетки со штрихкодом', shelf: 'Ценники на полку', register: 'Принтер кассы', copies: 'Копий',
    done: 'На принтер отправлено этикеток: {n}', noPrinter: 'Нет принтера этикеток: привяжите {role} к принтеру в разделе «Устройства → Роли»', pick: 'Отметьте товары для этикеток',
  },
  terminals: { title: 'Банковские терминалы', add: 'Добавить терминал', name: 'Название (например, Halyk POS)', allStores: 'Все магазины', none: 'Терминалов нет: оплата картой записывается просто как «Карта»', archive: 'Убрать' },
  print: { report: 'Печать', sent: 'Отправлено на принтер', failed: 'Не напечатано: {error}' },
  kaspi: { show: 'Показать QR', waiting: 'Ждём оплату в Kaspi…', paid: 'Оплачено {amount}', failed: 'Не оплачено: покажите новый QR или выберите другой способ', terminal: 'Терминал' },
  review: {
    filter: 'Проверка', title: 'Офлайн-продажа на проверке', hint: 'Продажа сделана без сети: она состоялась, но что-то в ней не удалось проверить.', atStake: 'Под вопросом: {amount}',
    approve: 'Подтвердить', reject: 'Отклонить', note: 'Комментарий (необязательно)', done: 'Решение сохранено', decidedBy: '{status} · {at}',
    status: { flagged: 'На проверке', approved: 'Подтверждена', rejected: 'Отклонена' },
    reason: {
      PRICE_NOT_IN_HISTORY: 'Строка {line}: продано по {sent}, а цена тогда была {then}', OUTSIDE_SHIFT: 'Сделана {at}, вне смены (открыта {opened})',
      DISCOUNT_OVER_LIMIT: 'Скидка {discount} больше лимита {max}', unknownPrice: 'неизвестна',
      PROMOTION_NOT_VALID: 'Акции, которых тогда не было: {difference}',
    },
  },
  till: {
    cashDue: 'Наличными: {amount} (округление {rounding})', rounding: 'Округление наличных', toReview: 'Офлайн-продаж на проверке: {n}'
  },
  cat: {
    trackBatches: 'Учёт партий и сроков годности (FEFO)', trackBatchesLocked: 'Нельзя менять после первого движения товара', supplier: 'Поставщик', photo: 'Фото', photoAdd: 'Добавить фото', photoChange: 'Заменить фото',
    photoHint: 'PNG, JPEG или WebP до 10 МБ', wholeNumber: 'Целое число', badQty: 'Количество больше нуля', badAmount: 'Сумма, например 1250,50',
  },
  doc: {
    supplier: 'Поставщик', noSupplier: 'Без поставщика', lot: 'Партия', expiresOn: 'Годен до', unitCost: 'Закупочная цена', reason: 'Причина',
    qtyPcs: 'Количество, шт', qtyUnit: 'Количество, {unit}', wholePieces: 'Только целые штуки', tooLarge: 'Не больше {max}', badQty: 'Количество больше нуля',
    batchTracked: 'Учёт по партиям: укажите партию и срок годности', largeTitle: 'Проверьте количество', largeHint: 'Эти строки сильно расходятся с остатком в магазине:', largeLine: '{name}: {qty} (на остатке {book})',
    largeConfirm: 'Да, провести', adjust: 'Списание / корректировка', adjustHint: 'Минус списывает, плюс приходует найденное',
    reasons: { writeoff: 'Списание', damaged: 'Порча', expired: 'Истёк срок', lost: 'Потеря', found: 'Излишек', correction: 'Исправление', other: 'Другое' },
  },
};

const uk: Messages = {
  labels: {
    print: 'Друк етикеток', title: 'Етикетки для товарів: {n}', kind: 'Що друкувати', barcode: 'Етикетки зі штрихкодом', shelf: 'Цінники на полицю', register: 'Принтер каси', copies: 'Копій',
    done: 'На принтер надіслано етикеток: {n}', noPrinter: 'Немає принтера етикеток: привʼяжіть {role} до принтера в розділі «Пристрої → Ролі»', pick: 'Позначте товари для етикеток',
  },
  terminals: { title: 'Банківські термінали', add: 'Додати термінал', name: 'Назва (наприклад, Privat POS)', allStores: 'Усі магазини', none: 'Терміналів немає: оплата карткою записується просто як «Картка»', archive: 'Прибрати' },
  print: { report: 'Друк', sent: 'Надіслано на принтер', failed: 'Не надруковано: {error}' },
  kaspi: { show: 'Показати QR', waiting: 'Чекаємо оплату в Kaspi…', paid: 'Сплачено {amount}', failed: 'Не сплачено: покажіть новий QR або оберіть інший спосіб', terminal: 'Термінал' },
  review: {
    filter: 'Перевірка', title: 'Офлайн-продаж на перевірці', hint: 'Продаж зроблено без мережі: він відбувся, але щось у ньому не вдалося перевірити.', atStake: 'Під питанням: {amount}',
    approve: 'Підтвердити', reject: 'Відхилити', note: 'Коментар (необовʼязково)', done: 'Рішення збережено', decidedBy: '{status} · {at}',
    status: { flagged: 'На перевірці', approved: 'Підтверджено', rejected: 'Відхилено' },
    reason: {
      PRICE_NOT_IN_HISTORY: 'Рядок {line}: продано за {sent}, а ціна тоді була {then}', OUTSIDE_SHIFT: 'Зроблено {at}, поза зміною (відкрито {opened})',
      DISCOUNT_OVER_LIMIT: 'Знижка {discount} більша за ліміт {max}', unknownPrice: 'невідома',
      PROMOTION_NOT_VALID: 'Акції, яких тоді не було: {difference}',
    },
  },
  till: {
    cashDue: 'Готівкою: {amount} (заокруглення {rounding})', rounding: 'Заокруглення готівки', toReview: 'Офлайн-продажів на перевірці: {n}'
  },
  cat: {
    trackBatches: 'Облік партій і термінів придатності (FEFO)', trackBatchesLocked: 'Не можна змінити після першого руху товару', supplier: 'Постачальник', photo: 'Фото', photoAdd: 'Додати фото', photoChange: 'Замінити фото',
    photoHint: 'PNG, JPEG або WebP до 10 МБ', wholeNumber: 'Ціле число', badQty: 'Кількість більша за нуль', badAmount: 'Сума, наприклад 1250,50',
  },
  doc: {
    supplier: 'Постачальник', noSupplier: 'Без постачальника', lot: 'Партія', expiresOn: 'Придатний до', unitCost: 'Закупівельна ціна', reason: 'Причина',
    qtyPcs: 'Кількість, шт', qtyUnit: 'Кількість, {unit}', wholePieces: 'Лише цілі штуки', tooLarge: 'Не більше {max}', badQty: 'Кількість більша за нуль',
    batchTracked: 'Облік за партіями: вкажіть партію й термін придатності', largeTitle: 'Перевірте кількість', largeHint: 'Ці рядки сильно відрізняються від залишку в магазині:', largeLine: '{name}: {qty} (на залишку {book})',
    largeConfirm: 'Так, провести', adjust: 'Списання / коригування', adjustHint: 'Мінус списує, плюс оприбутковує знайдене',
    reasons: { writeoff: 'Списання', damaged: 'Псування', expired: 'Минув термін', lost: 'Втрата', found: 'Надлишок', correction: 'Виправлення', other: 'Інше' },
  },
};

const kk: Messages = {
  labels: {
    print: 'Заттаңба басып шығару', title: 'Тауарларға заттаңба: {n}', kind: 'Не басып шығару', barcode: 'Штрихкодты заттаңбалар', shelf: 'Сөреге баға белгілері', register: 'Кассаның принтері', copies: 'Көшірме',
    done: 'Принтерге заттаңба жіберілді: {n}', noPrinter: 'Заттаңба принтері жоқ: «Құрылғылар → Рөлдер» бөлімінде {role} рөлін принтерге байлаңыз', pick: 'Заттаңбаға тауарларды белгілеңіз',
  },
  terminals: { title: 'Банк терминалдары', add: 'Терминал қосу', name: 'Атауы (мысалы, Halyk POS)', allStores: 'Барлық дүкендер', none: 'Терминал жоқ: карта төлемі жай «Карта» болып жазылады', archive: 'Алып тастау' },
  print: { report: 'Басып шығару', sent: 'Принтерге жіберілді', failed: 'Басылмады: {error}' },
  kaspi: { show: 'QR көрсету', waiting: 'Kaspi-де төлемді күтудеміз…', paid: '{amount} төленді', failed: 'Төленбеді: жаңа QR көрсетіңіз немесе басқа тәсілді таңдаңыз', terminal: 'Терминал' },
  review: {
    filter: 'Тексеру', title: 'Тексерудегі офлайн сату', hint: 'Сату желісіз жасалды: ол болды, бірақ ішіндегі бір нәрсені тексеру мүмкін болмады.', atStake: 'Күмәнді сома: {amount}',
    approve: 'Растау', reject: 'Қабылдамау', note: 'Түсініктеме (міндетті емес)', done: 'Шешім сақталды', decidedBy: '{status} · {at}',
    status: { flagged: 'Тексеруде', approved: 'Расталды', rejected: 'Қабылданбады' },
    reason: {
      PRICE_NOT_IN_HISTORY: '{line}-жол: {sent} бағасымен сатылды, ал сол кездегі баға {then} болды', OUTSIDE_SHIFT: '{at} жасалды, ауысымнан тыс ({opened} ашылған)',
      DISCOUNT_OVER_LIMIT: '{discount} жеңілдік {max} шегінен асады', unknownPrice: 'белгісіз',
      PROMOTION_NOT_VALID: 'Ол кезде болмаған акциялар: {difference}',
    },
  },
  till: {
    cashDue: 'Қолма-қол: {amount} (дөңгелектеу {rounding})', rounding: 'Қолма-қолды дөңгелектеу', toReview: 'Тексерудегі офлайн сатулар: {n}'
  },
  cat: {
    trackBatches: 'Партиялар мен жарамдылық мерзімін есепке алу (FEFO)', trackBatchesLocked: 'Тауардың алғашқы қозғалысынан кейін өзгертуге болмайды', supplier: 'Жеткізуші', photo: 'Фото', photoAdd: 'Фото қосу', photoChange: 'Фотоны ауыстыру',
    photoHint: 'PNG, JPEG немесе WebP, 10 МБ дейін', wholeNumber: 'Бүтін сан', badQty: 'Нөлден үлкен сан', badAmount: 'Сома, мысалы 1250,50',
  },
  doc: {
    supplier: 'Жеткізуші', noSupplier: 'Жеткізушісіз', lot: 'Партия', expiresOn: 'Жарамдылық мерзімі', unitCost: 'Сатып алу бағасы', reason: 'Себебі',
    qtyPcs: 'Саны, дана', qtyUnit: 'Саны, {unit}', wholePieces: 'Тек бүтін дана', tooLarge: '{max} артық емес', badQty: 'Нөлден үлкен сан',
    batchTracked: 'Партиялық есеп: партия мен мерзімін көрсетіңіз', largeTitle: 'Санын тексеріңіз', largeHint: 'Бұл жолдар дүкендегі қалдықтан қатты өзгеше:', largeLine: '{name}: {qty} (қалдықта {book})',
    largeConfirm: 'Иә, өткізу', adjust: 'Есептен шығару / түзету', adjustHint: 'Минус есептен шығарады, плюс табылғанды кіріске алады',
    reasons: { writeoff: 'Есептен шығару', damaged: 'Бүлінген', expired: 'Мерзімі өткен', lost: 'Жоғалған', found: 'Артық табылған', correction: 'Түзету', other: 'Басқа' },
  },
};

export const dayOne = { en, ru, uk, kk };
