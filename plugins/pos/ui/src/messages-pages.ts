// Messages of the stock, registers, customers, gift cards, tasks and reports pages; merged into
// the plugin's messages by messages.ts.
const en = {
  rep: {
    breakdown: 'By employee, category, payment', byEmployee: 'Employees', byCategory: 'Categories', byPayment: 'Payment types', employee: 'Employee', category: 'Category', payment: 'Payment type', receipts: 'Receipts', sales: 'Sales', net: 'Net', total: 'Total', none: '(none)',
    title: 'Reports', daily: 'Daily sales', products: 'Products', rfm: 'Customer segments (RFM)', top: 'Top sellers', slow: 'Slow movers',
    revenue: 'Revenue', margin: 'Margin', sold: 'Sold', daysOfStock: 'Days of stock', noData: 'No sales in this period', noDataHint: 'Pick other dates, or come back after the first sales.',
    noRfm: 'No segments yet', noRfmHint: 'Segments are computed nightly from purchase history; recompute to see them now.', recompute: 'Recompute', computedAt: 'Computed {at}', segment: 'Segment',
    seg: { champions: 'Champions', loyal_customers: 'Loyal customers', potential_loyalists: 'Potential loyalists', new_customers: 'New customers', promising: 'Promising', need_attention: 'Need attention', about_to_sleep: 'About to sleep', at_risk: 'At risk', cant_lose_them: 'Can’t lose them', hibernating: 'Hibernating', lost: 'Lost' },
  },
  reg: {
    title: 'Registers & shifts', new: 'New register', edit: 'Edit register', shifts: 'Shifts', opened: 'Opened', closed: 'Closed', open: 'open', closedBadge: 'closed', noShifts: 'No shifts yet',
    newStore: 'Or a new store', addStore: 'Add store', roleSuffix: 'Printer role suffix', roleSuffixHint: 'Receipts print on {role} (Devices → roles)', printReceipts: 'Print receipts',
  },
  cus: {
    group: 'Group', debtors: 'Owes money', empty: 'No customers yet', emptyHint: 'Customers are added here or at the checkout.', deposit: 'Deposit', repay: 'Debt repayment',
    ledger: 'Money', history: 'Purchases', nothing: 'Nothing yet',
    via: { label: 'Paid by', cash: 'Cash', card: 'Card', transfer: 'Bank transfer' },
    ledgerKind: { deposit: 'Deposit', credit_sale: 'Sale on credit', account_payment: 'Paid from account', repayment: 'Repayment', refund: 'Refund to account', adjust: 'Correction' },
    pointsKind: { earn: 'Earned', redeem: 'Spent', reverse: 'Reversed', adjust: 'Correction' },
  },
  gc: {
    title: 'Gift cards', code: 'Code', codeOptional: 'Code (empty: generated)', initial: 'Issued for', expires: 'Valid until', issue: 'Issue a gift card', issued: 'Gift card {code} issued',
    block: 'Block', unblock: 'Unblock', empty: 'No gift cards yet', emptyHint: 'Issue one here; customers pay with its code at the checkout.',
    status: { active: 'Active', blocked: 'Blocked', expired: 'Expired' },
  },
  task: {
    list: 'Tasks', new: 'New task', title: 'Title', priority: 'Priority', due: 'Due', mine: 'My tasks', search: 'Search tasks', overdue: 'overdue', comment: 'Comment', noComments: 'No comments yet',
    empty: 'No tasks', emptyHint: 'Tasks for the team appear here.',
    status: { new: 'New', assigned: 'Assigned', in_progress: 'In progress', on_review: 'On review', done: 'Done', canceled: 'Canceled' },
    prio: { low: 'Low', normal: 'Normal', high: 'High', urgent: 'Urgent' },
  },
  stock: {
    title: 'Stock', levels: 'Levels', moves: 'Movements', documents: 'Documents', reserved: 'Reserved', kind: 'Type', empty: 'Nothing in stock here', noMoves: 'No movements yet', noDocs: 'No documents yet',
    noStores: 'No stores set up for POS', noStoresHint: 'Add a store under Registers & shifts.', post: 'Post', toStore: 'To store', counted: 'Counted', addLine: 'Add a line', saveDraft: 'Save draft', saveAndPost: 'Save and post',
    docKind: { goods_receipt: 'Goods receipt', transfer: 'Transfer', count: 'Stock count', adjustment: 'Adjustment' },
    moveKind: { receipt: 'Receipt', sale: 'Sale', return: 'Return', void: 'Void', transfer_out: 'Transfer out', transfer_in: 'Transfer in', count: 'Count', adjust: 'Adjustment', writeoff: 'Write-off' },
    tr: {
      tab: 'Transfers', new: 'New transfer', from: 'From', open: 'Open', ship: 'Ship', shipNow: 'Save and ship', receive: 'Receive', cancel: 'Cancel transfer',
      cancelShipped: 'The goods go back to {store}.', cancelReason: 'Reason (optional)',
      shipped: 'Shipped', received: 'Received', inTransit: 'In transit', difference: 'Difference', reason: 'Reason', note: 'Note',
      empty: 'No transfers yet', emptyHint: 'Send goods to another store: ship them here, receive them there.', needTwoStores: 'Transfers need at least two stores.',
      shippedDone: 'Shipped: the goods are in transit', receivedDone: 'Transfer received', canceledDone: 'Transfer canceled',
      receiveHint: 'Enter what arrived. A difference needs a reason: it is written off or added to stock with it.',
      reasonRequired: 'Say why it differs', noteRequired: 'Describe the reason',
      batch: 'Lot {lot} · until {date}', lines: 'Lines: {n}', detail: 'Transfer №{n}',
      sourceBatch: 'Batch', fefo: 'Earliest expiry first (FEFO)', noLot: 'no lot', noDate: 'no date',
      batchOption: 'Lot {lot} · until {date} · on hand {qty}', fromBatch: 'From lot {lot} · until {date}', batchShort: 'The batch has only {qty}', noBatches: 'No batches in stock here',
      shippedAt: 'Shipped {at}', receivedAt: 'Received {at}', canceledAt: 'Canceled {at}',
      status: { draft: 'Draft', in_transit: 'In transit', received: 'Received', posted: 'Done', canceled: 'Canceled' },
      reasons: { short: 'Short (missing)', damaged: 'Damaged', over: 'More than shipped', other: 'Other' },
    },
  },
};
type Messages = typeof en;

const ru: Messages = {
  rep: {
    breakdown: 'По сотрудникам, категориям, оплатам', byEmployee: 'Сотрудники', byCategory: 'Категории', byPayment: 'Типы оплаты', employee: 'Сотрудник', category: 'Категория', payment: 'Тип оплаты', receipts: 'Чеков', sales: 'Продажи', net: 'Итого', total: 'Всего', none: '(без категории)',
    title: 'Отчёты', daily: 'Продажи по дням', products: 'Товары', rfm: 'Сегменты клиентов (RFM)', top: 'Лидеры продаж', slow: 'Залежавшиеся',
    revenue: 'Выручка', margin: 'Маржа', sold: 'Продано', daysOfStock: 'Запас, дней', noData: 'За этот период продаж нет', noDataHint: 'Выберите другие даты или вернитесь после первых продаж.',
    noRfm: 'Сегментов пока нет', noRfmHint: 'Сегменты считаются ночью по истории покупок; пересчитайте, чтобы увидеть их сейчас.', recompute: 'Пересчитать', computedAt: 'Рассчитано {at}', segment: 'Сегмент',
    seg: { champions: 'Чемпионы', loyal_customers: 'Лояльные', potential_loyalists: 'Потенциально лояльные', new_customers: 'Новые', promising: 'Перспективные', need_attention: 'Требуют внимания', about_to_sleep: 'Засыпающие', at_risk: 'В зоне риска', cant_lose_them: 'Нельзя потерять', hibernating: 'Спящие', lost: 'Потерянные' },
  },
  reg: {
    title: 'Кассы и смены', new: 'Новая касса', edit: 'Изменить кассу', shifts: 'Смены', opened: 'Открыта', closed: 'Закрыта', open: 'открыта', closedBadge: 'закрыта', noShifts: 'Смен пока нет',
    newStore: 'Или новый магазин', addStore: 'Добавить магазин', roleSuffix: 'Суффикс роли принтера', roleSuffixHint: 'Чеки печатаются на {role} (Устройства → роли)', printReceipts: 'Печатать чеки',
  },
  cus: {
    group: 'Группа', debtors: 'Должники', empty: 'Клиентов пока нет', emptyHint: 'Клиентов добавляют здесь или на кассе.', deposit: 'Пополнение', repay: 'Погашение долга',
    ledger: 'Деньги', history: 'Покупки', nothing: 'Пока ничего',
    via: { label: 'Способ', cash: 'Наличные', card: 'Карта', transfer: 'Перевод' },
    ledgerKind: { deposit: 'Пополнение', credit_sale: 'Продажа в долг', account_payment: 'Оплата с баланса', repayment: 'Погашение', refund: 'Возврат на баланс', adjust: 'Корректировка' },
    pointsKind: { earn: 'Начислено', redeem: 'Списано', reverse: 'Сторно', adjust: 'Корректировка' },
  },
  gc: {
    title: 'Подарочные сертификаты', code: 'Код', codeOptional: 'Код (пусто — сгенерировать)', initial: 'Номинал', expires: 'Действует до', issue: 'Выпустить сертификат', issued: 'Сертификат {code} выпущен',
    block: 'Заблокировать', unblock: 'Разблокировать', empty: 'Сертификатов пока нет', emptyHint: 'Выпустите здесь; покупатели оплачивают его кодом на кассе.',
    status: { active: 'Активен', blocked: 'Заблокирован', expired: 'Истёк' },
  },
  task: {
    list: 'Задачи', new: 'Новая задача', title: 'Название', priority: 'Приоритет', due: 'Срок', mine: 'Мои задачи', search: 'Поиск задач', overdue: 'просрочена', comment: 'Комментарий', noComments: 'Комментариев пока нет',
    empty: 'Задач нет', emptyHint: 'Здесь появятся задачи для команды.',
    status: { new: 'Новая', assigned: 'Назначена', in_progress: 'В работе', on_review: 'На проверке', done: 'Выполнена', canceled: 'Отменена' },
    prio: { low: 'Низкий', normal: 'Обычный', high: 'Высокий', urgent: 'Срочный' },
  },
  stock: {
    title: 'Склад', levels: 'Остатки', moves: 'Движения', documents: 'Документы', reserved: 'В резерве', kind: 'Тип', empty: 'Здесь пока нет остатков', noMoves: 'Движений пока нет', noDocs: 'Документов пока нет',
    noStores: 'Нет магазинов для кассы', noStoresHint: 'Добавьте магазин в разделе «Кассы и смены».', post: 'Провести', toStore: 'В магазин', counted: 'Посчитано', addLine: 'Добавить строку', saveDraft: 'Сохранить черновик', saveAndPost: 'Сохранить и провести',
    docKind: { goods_receipt: 'Приход товара', transfer: 'Перемещение', count: 'Инвентаризация', adjustment: 'Корректировка' },
    moveKind: { receipt: 'Приход', sale: 'Продажа', return: 'Возврат', void: 'Аннулирование', transfer_out: 'Перемещение (расход)', transfer_in: 'Перемещение (приход)', count: 'Инвентаризация', adjust: 'Корректировка', writeoff: 'Списание' },
    tr: {
      tab: 'Перемещения', new: 'Новое перемещение', from: 'Из магазина', open: 'Открыть', ship: 'Отправить', shipNow: 'Сохранить и отправить', receive: 'Принять', cancel: 'Отменить перемещение',
      cancelShipped: 'Товар вернётся в магазин {store}.', cancelReason: 'Причина (необязательно)',
      shipped: 'Отправлено', received: 'Принято', inTransit: 'В пути', difference: 'Расхождение', reason: 'Причина', note: 'Комментарий',
      empty: 'Перемещений пока нет', emptyHint: 'Отправьте товар в другой магазин: отгрузите здесь, примите там.', needTwoStores: 'Для перемещений нужно хотя бы два магазина.',
      shippedDone: 'Отправлено: товар в пути', receivedDone: 'Перемещение принято', canceledDone: 'Перемещение отменено',
      receiveHint: 'Укажите, сколько пришло. Для расхождения нужна причина: с ней оно будет списано или оприходовано.',
      reasonRequired: 'Укажите причину расхождения', noteRequired: 'Опишите причину',
      batch: 'Партия {lot} · до {date}', lines: 'Строк: {n}', detail: 'Перемещение №{n}',
      sourceBatch: 'Партия', fefo: 'Сначала с ранним сроком (FEFO)', noLot: 'без номера', noDate: 'без срока',
      batchOption: 'Партия {lot} · до {date} · в наличии {qty}', fromBatch: 'Из партии {lot} · до {date}', batchShort: 'В партии только {qty}', noBatches: 'Здесь нет партий в наличии',
      shippedAt: 'Отправлено {at}', receivedAt: 'Принято {at}', canceledAt: 'Отменено {at}',
      status: { draft: 'Черновик', in_transit: 'В пути', received: 'Принято', posted: 'Проведено', canceled: 'Отменено' },
      reasons: { short: 'Недостача', damaged: 'Повреждено', over: 'Излишек', other: 'Другое' },
    },
  },
};

const uk: Messages = {
  rep: {
    breakdown: 'За працівниками, категоріями, оплатами', byEmployee: 'Працівники', byCategory: 'Категорії', byPayment: 'Типи оплати', employee: 'Працівник', category: 'Категорія', payment: 'Тип оплати', receipts: 'Чеків', sales: 'Продажі', net: 'Разом', total: 'Усього', none: '(без категорії)',
    title: 'Звіти', daily: 'Продажі за днями', products: 'Товари', rfm: 'Сегменти клієнтів (RFM)', top: 'Лідери продажів', slow: 'Залежані',
    revenue: 'Виручка', margin: 'Маржа', sold: 'Продано', daysOfStock: 'Запас, днів', noData: 'За цей період продажів немає', noDataHint: 'Оберіть інші дати або поверніться після перших продажів.',
    noRfm: 'Сегментів поки немає', noRfmHint: 'Сегменти рахуються вночі за історією покупок; перерахуйте, щоб побачити їх зараз.', recompute: 'Перерахувати', computedAt: 'Розраховано {at}', segment: 'Сегмент',
    seg: { champions: 'Чемпіони', loyal_customers: 'Лояльні', potential_loyalists: 'Потенційно лояльні', new_customers: 'Нові', promising: 'Перспективні', need_attention: 'Потребують уваги', about_to_sleep: 'Засинаючі', at_risk: 'У зоні ризику', cant_lose_them: 'Не можна втратити', hibernating: 'Сплячі', lost: 'Втрачені' },
  },
  reg: {
    title: 'Каси та зміни', new: 'Нова каса', edit: 'Змінити касу', shifts: 'Зміни', opened: 'Відкрита', closed: 'Закрита', open: 'відкрита', closedBadge: 'закрита', noShifts: 'Змін поки немає',
    newStore: 'Або новий магазин', addStore: 'Додати магазин', roleSuffix: 'Суфікс ролі принтера', roleSuffixHint: 'Чеки друкуються на {role} (Пристрої → ролі)', printReceipts: 'Друкувати чеки',
  },
  cus: {
    group: 'Група', debtors: 'Боржники', empty: 'Клієнтів поки немає', emptyHint: 'Клієнтів додають тут або на касі.', deposit: 'Поповнення', repay: 'Погашення боргу',
    ledger: 'Гроші', history: 'Покупки', nothing: 'Поки нічого',
    via: { label: 'Спосіб', cash: 'Готівка', card: 'Картка', transfer: 'Переказ' },
    ledgerKind: { deposit: 'Поповнення', credit_sale: 'Продаж у борг', account_payment: 'Оплата з балансу', repayment: 'Погашення', refund: 'Повернення на баланс', adjust: 'Коригування' },
    pointsKind: { earn: 'Нараховано', redeem: 'Списано', reverse: 'Сторно', adjust: 'Коригування' },
  },
  gc: {
    title: 'Подарункові сертифікати', code: 'Код', codeOptional: 'Код (порожньо — згенерувати)', initial: 'Номінал', expires: 'Діє до', issue: 'Випустити сертифікат', issued: 'Сертифікат {code} випущено',
    block: 'Заблокувати', unblock: 'Розблокувати', empty: 'Сертифікатів поки немає', emptyHint: 'Випустіть тут; покупці оплачують його кодом на касі.',
    status: { active: 'Активний', blocked: 'Заблоковано', expired: 'Минув' },
  },
  task: {
    list: 'Завдання', new: 'Нове завдання', title: 'Назва', priority: 'Пріоритет', due: 'Термін', mine: 'Мої завдання', search: 'Пошук завдань', overdue: 'прострочено', comment: 'Коментар', noComments: 'Коментарів поки немає',
    empty: 'Завдань немає', emptyHint: 'Тут з’являться завдання для команди.',
    status: { new: 'Нове', assigned: 'Призначено', in_progress: 'У роботі', on_review: 'На перевірці', done: 'Виконано', canceled: 'Скасовано' },
    prio: { low: 'Низький', normal: 'Звичайний', high: 'Високий', urgent: 'Терміновий' },
  },
  stock: {
    title: 'Склад', levels: 'Залишки', moves: 'Рухи', documents: 'Документи', reserved: 'У резерві', kind: 'Тип', empty: 'Тут поки немає залишків', noMoves: 'Рухів поки немає', noDocs: 'Документів поки немає',
    noStores: 'Немає магазинів для каси', noStoresHint: 'Додайте магазин у розділі «Каси та зміни».', post: 'Провести', toStore: 'До магазину', counted: 'Пораховано', addLine: 'Додати рядок', saveDraft: 'Зберегти чернетку', saveAndPost: 'Зберегти і провести',
    docKind: { goods_receipt: 'Надходження товару', transfer: 'Переміщення', count: 'Інвентаризація', adjustment: 'Коригування' },
    moveKind: { receipt: 'Надходження', sale: 'Продаж', return: 'Повернення', void: 'Анулювання', transfer_out: 'Переміщення (видаток)', transfer_in: 'Переміщення (надходження)', count: 'Інвентаризація', adjust: 'Коригування', writeoff: 'Списання' },
    tr: {
      tab: 'Переміщення', new: 'Нове переміщення', from: 'З магазину', open: 'Відкрити', ship: 'Відправити', shipNow: 'Зберегти і відправити', receive: 'Прийняти', cancel: 'Скасувати переміщення',
      cancelShipped: 'Товар повернеться до магазину {store}.', cancelReason: 'Причина (необов’язково)',
      shipped: 'Відправлено', received: 'Прийнято', inTransit: 'У дорозі', difference: 'Розбіжність', reason: 'Причина', note: 'Коментар',
      empty: 'Переміщень поки немає', emptyHint: 'Надішліть товар до іншого магазину: відвантажте тут, прийміть там.', needTwoStores: 'Для переміщень потрібно щонайменше два магазини.',
      shippedDone: 'Відправлено: товар у дорозі', receivedDone: 'Переміщення прийнято', canceledDone: 'Переміщення скасовано',
      receiveHint: 'Вкажіть, скільки надійшло. Для розбіжності потрібна причина: з нею її буде списано або оприбутковано.',
      reasonRequired: 'Вкажіть причину розбіжності', noteRequired: 'Опишіть причину',
      batch: 'Партія {lot} · до {date}', lines: 'Рядків: {n}', detail: 'Переміщення №{n}',
      sourceBatch: 'Партія', fefo: 'Спершу з раннім терміном (FEFO)', noLot: 'без номера', noDate: 'без терміну',
      batchOption: 'Партія {lot} · до {date} · в наявності {qty}', fromBatch: 'З партії {lot} · до {date}', batchShort: 'У партії лише {qty}', noBatches: 'Тут немає партій у наявності',
      shippedAt: 'Відправлено {at}', receivedAt: 'Прийнято {at}', canceledAt: 'Скасовано {at}',
      status: { draft: 'Чернетка', in_transit: 'У дорозі', received: 'Прийнято', posted: 'Проведено', canceled: 'Скасовано' },
      reasons: { short: 'Нестача', damaged: 'Пошкоджено', over: 'Надлишок', other: 'Інше' },
    },
  },
};

const kk: Messages = {
  rep: {
    breakdown: 'Қызметкерлер, санаттар, төлемдер бойынша', byEmployee: 'Қызметкерлер', byCategory: 'Санаттар', byPayment: 'Төлем түрлері', employee: 'Қызметкер', category: 'Санат', payment: 'Төлем түрі', receipts: 'Чектер', sales: 'Сатылым', net: 'Барлығы', total: 'Жиыны', none: '(санатсыз)',
    title: 'Есептер', daily: 'Күндер бойынша сатулар', products: 'Тауарлар', rfm: 'Клиент сегменттері (RFM)', top: 'Сату көшбасшылары', slow: 'Баяу өтетіндер',
    revenue: 'Түсім', margin: 'Маржа', sold: 'Сатылды', daysOfStock: 'Қор, күн', noData: 'Бұл кезеңде сатулар жоқ', noDataHint: 'Басқа күндерді таңдаңыз немесе алғашқы сатулардан кейін оралыңыз.',
    noRfm: 'Әзірге сегменттер жоқ', noRfmHint: 'Сегменттер түнде сатып алу тарихы бойынша есептеледі; қазір көру үшін қайта есептеңіз.', recompute: 'Қайта есептеу', computedAt: 'Есептелді {at}', segment: 'Сегмент',
    seg: { champions: 'Чемпиондар', loyal_customers: 'Адал клиенттер', potential_loyalists: 'Әлеуетті адал', new_customers: 'Жаңа клиенттер', promising: 'Перспективалы', need_attention: 'Назар қажет', about_to_sleep: 'Ұйықтап бара жатқан', at_risk: 'Қауіп аймағында', cant_lose_them: 'Жоғалтуға болмайды', hibernating: 'Ұйқыдағы', lost: 'Жоғалған' },
  },
  reg: {
    title: 'Кассалар мен ауысымдар', new: 'Жаңа касса', edit: 'Кассаны өзгерту', shifts: 'Ауысымдар', opened: 'Ашылды', closed: 'Жабылды', open: 'ашық', closedBadge: 'жабық', noShifts: 'Әзірге ауысымдар жоқ',
    newStore: 'Немесе жаңа дүкен', addStore: 'Дүкен қосу', roleSuffix: 'Принтер рөлінің жұрнағы', roleSuffixHint: 'Чектер {role} рөлінде басылады (Құрылғылар → рөлдер)', printReceipts: 'Чектерді басу',
  },
  cus: {
    group: 'Топ', debtors: 'Борыштылар', empty: 'Әзірге клиенттер жоқ', emptyHint: 'Клиенттер осында немесе кассада қосылады.', deposit: 'Толтыру', repay: 'Қарызды өтеу',
    ledger: 'Ақша', history: 'Сатып алулар', nothing: 'Әзірге ештеңе жоқ',
    via: { label: 'Тәсіл', cash: 'Қолма-қол', card: 'Карта', transfer: 'Аударым' },
    ledgerKind: { deposit: 'Толтыру', credit_sale: 'Қарызға сату', account_payment: 'Баланстан төлеу', repayment: 'Өтеу', refund: 'Балансқа қайтару', adjust: 'Түзету' },
    pointsKind: { earn: 'Есептелді', redeem: 'Жұмсалды', reverse: 'Сторно', adjust: 'Түзету' },
  },
  gc: {
    title: 'Сыйлық сертификаттары', code: 'Код', codeOptional: 'Код (бос — жасалады)', initial: 'Номиналы', expires: 'Жарамдылық мерзімі', issue: 'Сертификат шығару', issued: '{code} сертификаты шығарылды',
    block: 'Бұғаттау', unblock: 'Бұғаттан шығару', empty: 'Әзірге сертификаттар жоқ', emptyHint: 'Осында шығарыңыз; сатып алушылар оның кодымен кассада төлейді.',
    status: { active: 'Белсенді', blocked: 'Бұғатталған', expired: 'Мерзімі өтті' },
  },
  task: {
    list: 'Тапсырмалар', new: 'Жаңа тапсырма', title: 'Атауы', priority: 'Басымдық', due: 'Мерзімі', mine: 'Менің тапсырмаларым', search: 'Тапсырмаларды іздеу', overdue: 'мерзімі өтті', comment: 'Пікір', noComments: 'Әзірге пікірлер жоқ',
    empty: 'Тапсырмалар жоқ', emptyHint: 'Команда тапсырмалары осында шығады.',
    status: { new: 'Жаңа', assigned: 'Тағайындалды', in_progress: 'Орындалуда', on_review: 'Тексеруде', done: 'Орындалды', canceled: 'Болдырылмады' },
    prio: { low: 'Төмен', normal: 'Қалыпты', high: 'Жоғары', urgent: 'Шұғыл' },
  },
  stock: {
    title: 'Қойма', levels: 'Қалдықтар', moves: 'Қозғалыстар', documents: 'Құжаттар', reserved: 'Резервте', kind: 'Түрі', empty: 'Мұнда әзірге қалдық жоқ', noMoves: 'Әзірге қозғалыстар жоқ', noDocs: 'Әзірге құжаттар жоқ',
    noStores: 'Кассаға арналған дүкендер жоқ', noStoresHint: '«Кассалар мен ауысымдар» бөлімінде дүкен қосыңыз.', post: 'Өткізу', toStore: 'Дүкенге', counted: 'Саналды', addLine: 'Жол қосу', saveDraft: 'Жобаны сақтау', saveAndPost: 'Сақтау және өткізу',
    docKind: { goods_receipt: 'Тауар кірісі', transfer: 'Орын ауыстыру', count: 'Түгендеу', adjustment: 'Түзету' },
    moveKind: { receipt: 'Кіріс', sale: 'Сату', return: 'Қайтару', void: 'Жою', transfer_out: 'Орын ауыстыру (шығыс)', transfer_in: 'Орын ауыстыру (кіріс)', count: 'Түгендеу', adjust: 'Түзету', writeoff: 'Есептен шығару' },
    tr: {
      tab: 'Орын ауыстырулар', new: 'Жаңа орын ауыстыру', from: 'Дүкеннен', open: 'Ашу', ship: 'Жөнелту', shipNow: 'Сақтау және жөнелту', receive: 'Қабылдау', cancel: 'Орын ауыстыруды болдырмау',
      cancelShipped: 'Тауар {store} дүкеніне қайтарылады.', cancelReason: 'Себебі (міндетті емес)',
      shipped: 'Жөнелтілді', received: 'Қабылданды', inTransit: 'Жолда', difference: 'Айырмашылық', reason: 'Себебі', note: 'Түсініктеме',
      empty: 'Әзірге орын ауыстырулар жоқ', emptyHint: 'Тауарды басқа дүкенге жіберіңіз: осында жөнелтіп, сонда қабылдаңыз.', needTwoStores: 'Орын ауыстыру үшін кемінде екі дүкен қажет.',
      shippedDone: 'Жөнелтілді: тауар жолда', receivedDone: 'Орын ауыстыру қабылданды', canceledDone: 'Орын ауыстыру болдырылмады',
      receiveHint: 'Қанша келгенін көрсетіңіз. Айырмашылыққа себеп қажет: сол себеппен ол есептен шығарылады немесе кіріске алынады.',
      reasonRequired: 'Айырмашылықтың себебін көрсетіңіз', noteRequired: 'Себебін сипаттаңыз',
      batch: 'Партия {lot} · {date} дейін', lines: 'Жолдар: {n}', detail: 'Орын ауыстыру №{n}',
      sourceBatch: 'Партия', fefo: 'Алдымен мерзімі ерте бітетіні (FEFO)', noLot: 'нөмірсіз', noDate: 'мерзімсіз',
      batchOption: 'Партия {lot} · {date} дейін · қолда {qty}', fromBatch: '{lot} партиясынан · {date} дейін', batchShort: 'Партияда тек {qty} бар', noBatches: 'Мұнда қолда партиялар жоқ',
      shippedAt: 'Жөнелтілді {at}', receivedAt: 'Қабылданды {at}', canceledAt: 'Болдырылмады {at}',
      status: { draft: 'Жоба', in_transit: 'Жолда', received: 'Қабылданды', posted: 'Өткізілді', canceled: 'Болдырылмады' },
      reasons: { short: 'Жетіспеушілік', damaged: 'Зақымдалған', over: 'Артық', other: 'Басқа' },
    },
  },
};

export const pages = { en, ru, uk, kk };
