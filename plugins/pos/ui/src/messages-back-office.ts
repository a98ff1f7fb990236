// Back-office pages' messages (products, stock, registers, sales, customers, gift cards, tasks,
// reports), merged into the plugin's messages by messages.ts under `bo`.
const en = {
  bo: {
    loadFailed: 'Could not load', retry: 'Try again', notYet: 'Not available yet', notYetHint: 'This server does not offer this report yet.',
    saved: 'Saved', today: 'Sales today', salesCount: '{n} sales',
    sales: 'Sales', sale: 'Sale', number: 'Number', saleNumber: 'Sale number', date: 'Date', register: 'Register', status: 'Status', total: 'Total',
    completed: 'Completed', voided: 'Voided', partlyReturned: 'Returned', from: 'From', to: 'To',
    noSales: 'No sales yet', noSalesHint: 'Sales made at the checkout appear here.',
    product: 'Product', price: 'Price', payments: 'Payments', returns: 'Returns', noReturns: 'No returns', returned: 'Returned', refunded: 'Refunded',
    void: 'Void', voidTitle: 'Void this sale', voidReason: 'Reason', voidDone: 'Sale voided', reprintSent: 'Sent to the printer (marked COPY)',
    return: 'Return', returnTitle: 'Return from sale {n}', canReturn: 'up to {n}', refundMethod: 'Refund to', refundAmount: 'Refund amount',
    refundAmountHint: 'Empty: the value of the returned goods', returnReason: 'Reason', restock: 'Put the goods back in stock', returnDone: 'Return recorded',
    customers: 'Customers', products: 'Products', newProduct: 'New product', sku: 'SKU', name: 'Name', cost: 'Cost', unit: 'Unit', tax: 'Tax rate', category: 'Category',
    barcodes: 'Barcodes', barcodesHint: 'One per line. 4870001234574*6 = a six-pack; 2112345:weight = scale labels with this prefix',
    quickKey: 'Quick key #', lowStockLevel: 'Low-stock level', storePrice: 'Price in {store}', store: 'Store', onHand: 'On hand', low: 'low', lowStock: 'Low stock only',
    noProducts: 'No products yet', noProductsHint: 'Add products here; they appear at the checkout at once.',
    deleteProduct: 'Delete “{name}”?', deleteProductHint: 'A product with sales or stock history is archived instead.',
  },
};
type Messages = typeof en;

const ru: Messages = {
  bo: {
    loadFailed: 'Не удалось загрузить', retry: 'Повторить', notYet: 'Пока недоступно', notYetHint: 'Сервер пока не предоставляет этот отчёт.',
    saved: 'Сохранено', today: 'Продажи сегодня', salesCount: 'Продаж: {n}',
    sales: 'Продажи', sale: 'Продажа', number: 'Номер', saleNumber: 'Номер продажи', date: 'Дата', register: 'Касса', status: 'Статус', total: 'Итого',
    completed: 'Проведена', voided: 'Аннулирована', partlyReturned: 'Возврат', from: 'С', to: 'По',
    noSales: 'Продаж пока нет', noSalesHint: 'Здесь появятся продажи, проведённые на кассе.',
    product: 'Товар', price: 'Цена', payments: 'Оплаты', returns: 'Возвраты', noReturns: 'Возвратов нет', returned: 'Возвращено', refunded: 'Возвращено денег',
    void: 'Аннулировать', voidTitle: 'Аннулировать продажу', voidReason: 'Причина', voidDone: 'Продажа аннулирована', reprintSent: 'Отправлено на принтер (с пометкой КОПИЯ)',
    return: 'Возврат', returnTitle: 'Возврат по продаже {n}', canReturn: 'не больше {n}', refundMethod: 'Вернуть на', refundAmount: 'Сумма возврата',
    refundAmountHint: 'Пусто — стоимость возвращаемого товара', returnReason: 'Причина', restock: 'Вернуть товар на склад', returnDone: 'Возврат оформлен',
    customers: 'Клиенты', products: 'Товары', newProduct: 'Новый товар', sku: 'Артикул', name: 'Название', cost: 'Себестоимость', unit: 'Единица', tax: 'Ставка НДС', category: 'Категория',
    barcodes: 'Штрихкоды', barcodesHint: 'По одному в строке. 4870001234574*6 — упаковка из 6; 2112345:weight — весовые этикетки с этим префиксом',
    quickKey: 'Быстрая клавиша №', lowStockLevel: 'Минимальный остаток', storePrice: 'Цена в магазине {store}', store: 'Магазин', onHand: 'Остаток', low: 'мало', lowStock: 'Только заканчивающиеся',
    noProducts: 'Товаров пока нет', noProductsHint: 'Добавьте товары здесь — они сразу появятся на кассе.',
    deleteProduct: 'Удалить «{name}»?', deleteProductHint: 'Товар с продажами или движением по складу будет архивирован.',
  },
};

const uk: Messages = {
  bo: {
    loadFailed: 'Не вдалося завантажити', retry: 'Повторити', notYet: 'Поки недоступно', notYetHint: 'Сервер поки не надає цей звіт.',
    saved: 'Збережено', today: 'Продажі сьогодні', salesCount: 'Продажів: {n}',
    sales: 'Продажі', sale: 'Продаж', number: 'Номер', saleNumber: 'Номер продажу', date: 'Дата', register: 'Каса', status: 'Статус', total: 'Разом',
    completed: 'Проведено', voided: 'Анульовано', partlyReturned: 'Повернення', from: 'З', to: 'По',
    noSales: 'Продажів поки немає', noSalesHint: 'Тут з’являться продажі, проведені на касі.',
    product: 'Товар', price: 'Ціна', payments: 'Оплати', returns: 'Повернення', noReturns: 'Повернень немає', returned: 'Повернуто', refunded: 'Повернуто грошей',
    void: 'Анулювати', voidTitle: 'Анулювати продаж', voidReason: 'Причина', voidDone: 'Продаж анульовано', reprintSent: 'Надіслано на принтер (з позначкою КОПІЯ)',
    return: 'Повернення', returnTitle: 'Повернення за продажем {n}', canReturn: 'не більше {n}', refundMethod: 'Повернути на', refundAmount: 'Сума повернення',
    refundAmountHint: 'Порожньо — вартість товару, що повертається', returnReason: 'Причина', restock: 'Повернути товар на склад', returnDone: 'Повернення оформлено',
    customers: 'Клієнти', products: 'Товари', newProduct: 'Новий товар', sku: 'Артикул', name: 'Назва', cost: 'Собівартість', unit: 'Одиниця', tax: 'Ставка ПДВ', category: 'Категорія',
    barcodes: 'Штрихкоди', barcodesHint: 'По одному в рядку. 4870001234574*6 — упаковка з 6; 2112345:weight — вагові етикетки з цим префіксом',
    quickKey: 'Швидка клавіша №', lowStockLevel: 'Мінімальний залишок', storePrice: 'Ціна в магазині {store}', store: 'Магазин', onHand: 'Залишок', low: 'мало', lowStock: 'Лише ті, що закінчуються',
    noProducts: 'Товарів поки немає', noProductsHint: 'Додайте товари тут — вони одразу з’являться на касі.',
    deleteProduct: 'Видалити «{name}»?', deleteProductHint: 'Товар із продажами або рухом по складу буде архівовано.',
  },
};

const kk: Messages = {
  bo: {
    loadFailed: 'Жүктеу мүмкін болмады', retry: 'Қайталау', notYet: 'Әзірге қолжетімсіз', notYetHint: 'Сервер бұл есепті әзірге ұсынбайды.',
    saved: 'Сақталды', today: 'Бүгінгі сатулар', salesCount: 'Сатулар: {n}',
    sales: 'Сатулар', sale: 'Сату', number: 'Нөмір', saleNumber: 'Сату нөмірі', date: 'Күні', register: 'Касса', status: 'Күйі', total: 'Барлығы',
    completed: 'Өткізілді', voided: 'Жойылды', partlyReturned: 'Қайтарым', from: 'Бастап', to: 'Дейін',
    noSales: 'Әзірге сатулар жоқ', noSalesHint: 'Кассада өткізілген сатулар осында шығады.',
    product: 'Тауар', price: 'Бағасы', payments: 'Төлемдер', returns: 'Қайтарулар', noReturns: 'Қайтарулар жоқ', returned: 'Қайтарылды', refunded: 'Қайтарылған ақша',
    void: 'Жою', voidTitle: 'Сатуды жою', voidReason: 'Себебі', voidDone: 'Сату жойылды', reprintSent: 'Принтерге жіберілді (КӨШІРМЕ белгісімен)',
    return: 'Қайтару', returnTitle: '{n} сату бойынша қайтару', canReturn: '{n} артық емес', refundMethod: 'Қайтару тәсілі', refundAmount: 'Қайтару сомасы',
    refundAmountHint: 'Бос — қайтарылатын тауардың құны', returnReason: 'Себебі', restock: 'Тауарды қоймаға қайтару', returnDone: 'Қайтару рәсімделді',
    customers: 'Клиенттер', products: 'Тауарлар', newProduct: 'Жаңа тауар', sku: 'Артикул', name: 'Атауы', cost: 'Өзіндік құны', unit: 'Өлшем бірлігі', tax: 'ҚҚС мөлшерлемесі', category: 'Санат',
    barcodes: 'Штрихкодтар', barcodesHint: 'Әр жолға біреуден. 4870001234574*6 — 6 данадан қорап; 2112345:weight — осы префиксті салмақ жапсырмалары',
    quickKey: 'Жылдам перне №', lowStockLevel: 'Ең аз қалдық', storePrice: '{store} дүкеніндегі бағасы', store: 'Дүкен', onHand: 'Қалдық', low: 'аз', lowStock: 'Тек таусылып жатқандар',
    noProducts: 'Әзірге тауарлар жоқ', noProductsHint: 'Тауарларды осында қосыңыз — олар бірден кассада пайда болады.',
    deleteProduct: '«{name}» жою керек пе?', deleteProductHint: 'Сатуы немесе қоймада қозғалысы бар тауар мұрағатқа жіберіледі.',
  },
};

export const backOffice = { en, ru, uk, kk };
