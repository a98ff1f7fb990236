// Messages of the shared till's people workflow (issue 13): who serves (switched by PIN), a
// manager's PIN approving a discount above the limit, clocking in and out, parked sales, and the
// back-office pages for promotions and POS PINs. Merged by messages.ts; all four languages.
const en = {
  setup: { open: 'Catalogue setup', categories: 'Categories', taxes: 'VAT rates', products: '{n} product(s)', rename: 'Rename', up: 'Up', down: 'Down', remove: 'Remove', newCategory: 'New category', parent: 'Inside (optional)', taxName: 'Name (e.g. VAT 12 %)', rate: 'Rate, %', included: 'Included in prices', onTop: 'Added on top', newTax: 'New VAT rate', suppliers: 'Suppliers', supplierName: 'Supplier', phone: 'Phone', taxId: 'BIN / tax id', newSupplier: 'New supplier', variants: 'Variants', groupName: 'Product family (e.g. T-shirt)', attributes: 'Attributes, comma-separated (size, colour)', newGroup: 'New family', addVariants: 'Add variants', values: '{name}: values, comma-separated', skuPrefix: 'SKU prefix', price: 'Price', generate: 'Create the variants' },
  staff: {
    serving: 'Cashier: {name}', nobody: 'Pick the cashier', switch: 'Switch cashier', clock: 'Clock in / out', pickPerson: 'Who are you?', pin: 'PIN',
    switched: '{name} is serving', clockIn: 'Clock in', clockOut: 'Clock out', clockedIn: '{name}: clocked in', clockedOut: '{name}: clocked out',
    noPeople: 'Nobody has a POS PIN yet: a manager sets them under Staff PINs', approvalTitle: 'Manager approval', approvalHint: 'This discount is above the cashier’s limit: a manager enters their PIN',
    approve: 'Approve', needsNetwork: 'Needs the network',
    page: 'Staff PINs', hasPin: 'Has a PIN', noPin: 'No PIN', setPin: 'Set PIN', newPin: 'New PIN (4–8 digits)', clearPin: 'Remove PIN', pinSaved: 'PIN saved for {name}',
  },
  parked: {
    park: 'Park', title: 'Parked sales', none: 'No parked sales in this store', resume: 'Resume', parked: 'Sale parked', label: 'Note (e.g. the customer’s name)',
    lines: '{n} line(s)', cartNotEmpty: 'Finish or clear the current cart first',
  },
  promo: {
    page: 'Promotions', add: 'New promotion', name: 'Name', kind: 'Kind', active: 'Active', inactive: 'Off', none: 'No promotions yet',
    kinds: { preset: 'Preset discount', n_for_m: 'N for M', percent: '% off', happy_hour: 'Happy hour' },
    buy: 'Buy', pay: 'Pay for', percent: 'Discount, %', amount: 'Discount, amount', from: 'From', to: 'To', days: 'Days', validFrom: 'Valid from', validTo: 'Valid to',
    products: 'Products (empty: all)', categories: 'Categories (empty: all)', saved: 'Promotion saved',
    weekdays: { d0: 'Sun', d1: 'Mon', d2: 'Tue', d3: 'Wed', d4: 'Thu', d5: 'Fri', d6: 'Sat' },
  },
};
type Messages = typeof en;

const ru: Messages = {
  setup: { open: 'Справочники', categories: 'Категории', taxes: 'Ставки НДС', products: 'Товаров: {n}', rename: 'Переименовать', up: 'Выше', down: 'Ниже', remove: 'Удалить', newCategory: 'Новая категория', parent: 'Внутри (необязательно)', taxName: 'Название (например, НДС 12 %)', rate: 'Ставка, %', included: 'Входит в цену', onTop: 'Сверх цены', newTax: 'Новая ставка НДС', suppliers: 'Поставщики', supplierName: 'Поставщик', phone: 'Телефон', taxId: 'БИН / ИНН', newSupplier: 'Новый поставщик', variants: 'Варианты', groupName: 'Семейство товаров (например, футболка)', attributes: 'Свойства через запятую (размер, цвет)', newGroup: 'Новое семейство', addVariants: 'Добавить варианты', values: '{name}: значения через запятую', skuPrefix: 'Префикс артикула', price: 'Цена', generate: 'Создать варианты' },
  staff: {
    serving: 'Кассир: {name}', nobody: 'Выберите кассира', switch: 'Сменить кассира', clock: 'Приход / уход', pickPerson: 'Кто вы?', pin: 'PIN-код',
    switched: 'Обслуживает {name}', clockIn: 'Приход', clockOut: 'Уход', clockedIn: '{name}: приход отмечен', clockedOut: '{name}: уход отмечен',
    noPeople: 'Ни у кого ещё нет PIN-кода кассы: их задаёт менеджер в разделе «PIN-коды сотрудников»', approvalTitle: 'Одобрение менеджера', approvalHint: 'Скидка больше лимита кассира: менеджер вводит свой PIN-код',
    approve: 'Одобрить', needsNetwork: 'Нужна сеть',
    page: 'PIN-коды сотрудников', hasPin: 'PIN задан', noPin: 'Нет PIN', setPin: 'Задать PIN', newPin: 'Новый PIN (4–8 цифр)', clearPin: 'Удалить PIN', pinSaved: 'PIN сохранён: {name}',
  },
  parked: {
    park: 'Отложить', title: 'Отложенные чеки', none: 'В этом магазине нет отложенных чеков', resume: 'Вернуть', parked: 'Чек отложен', label: 'Пометка (например, имя покупателя)',
    lines: 'Строк: {n}', cartNotEmpty: 'Сначала завершите или очистите текущую корзину',
  },
  promo: {
    page: 'Акции', add: 'Новая акция', name: 'Название', kind: 'Вид', active: 'Действует', inactive: 'Выключена', none: 'Акций пока нет',
    kinds: { preset: 'Готовая скидка', n_for_m: 'N по цене M', percent: 'Скидка в %', happy_hour: 'Счастливый час' },
    buy: 'Купить', pay: 'Оплатить', percent: 'Скидка, %', amount: 'Скидка, сумма', from: 'С', to: 'До', days: 'Дни', validFrom: 'Действует с', validTo: 'Действует по',
    products: 'Товары (пусто — все)', categories: 'Категории (пусто — все)', saved: 'Акция сохранена',
    weekdays: { d0: 'Вс', d1: 'Пн', d2: 'Вт', d3: 'Ср', d4: 'Чт', d5: 'Пт', d6: 'Сб' },
  },
};

const uk: Messages = {
  setup: { open: 'Довідники', categories: 'Категорії', taxes: 'Ставки ПДВ', products: 'Товарів: {n}', rename: 'Перейменувати', up: 'Вище', down: 'Нижче', remove: 'Видалити', newCategory: 'Нова категорія', parent: 'Усередині (необов’язково)', taxName: 'Назва (наприклад, ПДВ 20 %)', rate: 'Ставка, %', included: 'Входить у ціну', onTop: 'Понад ціну', newTax: 'Нова ставка ПДВ', suppliers: 'Постачальники', supplierName: 'Постачальник', phone: 'Телефон', taxId: 'ЄДРПОУ / ІПН', newSupplier: 'Новий постачальник', variants: 'Варіанти', groupName: 'Родина товарів (наприклад, футболка)', attributes: 'Властивості через кому (розмір, колір)', newGroup: 'Нова родина', addVariants: 'Додати варіанти', values: '{name}: значення через кому', skuPrefix: 'Префікс артикула', price: 'Ціна', generate: 'Створити варіанти' },
  staff: {
    serving: 'Касир: {name}', nobody: 'Виберіть касира', switch: 'Змінити касира', clock: 'Прихід / вихід', pickPerson: 'Хто ви?', pin: 'PIN-код',
    switched: 'Обслуговує {name}', clockIn: 'Прихід', clockOut: 'Вихід', clockedIn: '{name}: прихід відмічено', clockedOut: '{name}: вихід відмічено',
    noPeople: 'Ні в кого ще немає PIN-коду каси: їх задає менеджер у розділі «PIN-коди працівників»', approvalTitle: 'Схвалення менеджера', approvalHint: 'Знижка більша за ліміт касира: менеджер вводить свій PIN-код',
    approve: 'Схвалити', needsNetwork: 'Потрібна мережа',
    page: 'PIN-коди працівників', hasPin: 'PIN задано', noPin: 'Немає PIN', setPin: 'Задати PIN', newPin: 'Новий PIN (4–8 цифр)', clearPin: 'Видалити PIN', pinSaved: 'PIN збережено: {name}',
  },
  parked: {
    park: 'Відкласти', title: 'Відкладені чеки', none: 'У цьому магазині немає відкладених чеків', resume: 'Повернути', parked: 'Чек відкладено', label: 'Позначка (наприклад, ім’я покупця)',
    lines: 'Рядків: {n}', cartNotEmpty: 'Спершу завершіть або очистьте поточний кошик',
  },
  promo: {
    page: 'Акції', add: 'Нова акція', name: 'Назва', kind: 'Вид', active: 'Діє', inactive: 'Вимкнена', none: 'Акцій поки немає',
    kinds: { preset: 'Готова знижка', n_for_m: 'N за ціною M', percent: 'Знижка у %', happy_hour: 'Щаслива година' },
    buy: 'Купити', pay: 'Оплатити', percent: 'Знижка, %', amount: 'Знижка, сума', from: 'З', to: 'До', days: 'Дні', validFrom: 'Діє з', validTo: 'Діє до',
    products: 'Товари (порожньо — усі)', categories: 'Категорії (порожньо — усі)', saved: 'Акцію збережено',
    weekdays: { d0: 'Нд', d1: 'Пн', d2: 'Вт', d3: 'Ср', d4: 'Чт', d5: 'Пт', d6: 'Сб' },
  },
};

const kk: Messages = {
  setup: { open: 'Анықтамалықтар', categories: 'Санаттар', taxes: 'ҚҚС мөлшерлемелері', products: 'Тауарлар: {n}', rename: 'Атын өзгерту', up: 'Жоғары', down: 'Төмен', remove: 'Жою', newCategory: 'Жаңа санат', parent: 'Ішінде (міндетті емес)', taxName: 'Атауы (мысалы, ҚҚС 12 %)', rate: 'Мөлшерлеме, %', included: 'Бағаға кіреді', onTop: 'Бағаның үстіне', newTax: 'Жаңа ҚҚС мөлшерлемесі', suppliers: 'Жеткізушілер', supplierName: 'Жеткізуші', phone: 'Телефон', taxId: 'БСН / ЖСН', newSupplier: 'Жаңа жеткізуші', variants: 'Нұсқалар', groupName: 'Тауар тобы (мысалы, футболка)', attributes: 'Қасиеттер үтір арқылы (өлшем, түс)', newGroup: 'Жаңа топ', addVariants: 'Нұсқаларды қосу', values: '{name}: мәндер үтір арқылы', skuPrefix: 'Артикул префиксі', price: 'Баға', generate: 'Нұсқаларды жасау' },
  staff: {
    serving: 'Кассир: {name}', nobody: 'Кассирді таңдаңыз', switch: 'Кассирді ауыстыру', clock: 'Келу / кету', pickPerson: 'Сіз кімсіз?', pin: 'PIN-код',
    switched: '{name} қызмет көрсетуде', clockIn: 'Келу', clockOut: 'Кету', clockedIn: '{name}: келгені белгіленді', clockedOut: '{name}: кеткені белгіленді',
    noPeople: 'Әзірге ешкімде касса PIN-коды жоқ: оларды менеджер «Қызметкерлердің PIN-кодтары» бөлімінде орнатады', approvalTitle: 'Менеджердің мақұлдауы', approvalHint: 'Жеңілдік кассир шегінен асады: менеджер өз PIN-кодын енгізеді',
    approve: 'Мақұлдау', needsNetwork: 'Желі қажет',
    page: 'Қызметкерлердің PIN-кодтары', hasPin: 'PIN орнатылған', noPin: 'PIN жоқ', setPin: 'PIN орнату', newPin: 'Жаңа PIN (4–8 сан)', clearPin: 'PIN жою', pinSaved: 'PIN сақталды: {name}',
  },
  parked: {
    park: 'Кейінге қалдыру', title: 'Кейінге қалдырылған чектер', none: 'Бұл дүкенде кейінге қалдырылған чек жоқ', resume: 'Қайтару', parked: 'Чек кейінге қалдырылды', label: 'Белгі (мысалы, сатып алушының аты)',
    lines: 'Жолдар: {n}', cartNotEmpty: 'Алдымен ағымдағы себетті аяқтаңыз немесе тазалаңыз',
  },
  promo: {
    page: 'Акциялар', add: 'Жаңа акция', name: 'Атауы', kind: 'Түрі', active: 'Жұмыс істейді', inactive: 'Өшірулі', none: 'Әзірге акциялар жоқ',
    kinds: { preset: 'Дайын жеңілдік', n_for_m: 'M бағасына N', percent: '% жеңілдік', happy_hour: 'Бақытты сағат' },
    buy: 'Сатып алу', pay: 'Төлеу', percent: 'Жеңілдік, %', amount: 'Жеңілдік, сома', from: 'Бастап', to: 'Дейін', days: 'Күндер', validFrom: 'Басталуы', validTo: 'Аяқталуы',
    products: 'Тауарлар (бос — барлығы)', categories: 'Санаттар (бос — барлығы)', saved: 'Акция сақталды',
    weekdays: { d0: 'Жс', d1: 'Дс', d2: 'Сс', d3: 'Ср', d4: 'Бс', d5: 'Жм', d6: 'Сн' },
  },
};

export const tillStaff = { en, ru, uk, kk };
