// Merged by the shell under the plugin id: components use t('payments.…').
const en = {
  title: 'Payments',
  subtitle: 'Online payments through your providers',
  tabs: { list: 'Payments', reconciliation: 'Reconciliation', providers: 'Providers' },
  status: {
    pending: 'Pending', requires_action: 'Awaiting customer', authorized: 'Authorized', captured: 'Paid',
    partially_refunded: 'Partially refunded', refunded: 'Refunded', failed: 'Failed', canceled: 'Canceled', expired: 'Expired',
  },
  source: { api: 'by a user', webhook: 'provider webhook', poller: 'status check', reconcile: 'reconciliation', hold: 'hold', provider: 'provider' },
  col: { created: 'Created', amount: 'Amount', status: 'Status', provider: 'Provider', description: 'Description', customer: 'Customer', refunded: 'Refunded' },
  filter: {
    search: 'Search: description, customer, payment id',
    status: 'Status', provider: 'Provider', currency: 'Currency', from: 'From', to: 'To',
    amountMin: 'Amount from', amountMax: 'Amount to', clear: 'Clear filters', filters: 'Filters',
    invalidDate: 'Not a date', dateOrder: 'Must not be before “From”', invalidAmount: 'Not an amount in this currency', amountOrder: 'Must not be less than “Amount from”',
  },
  list: {
    emptyTitle: 'No payments yet', emptyHint: 'Payments appear here once a plugin or a person asks a customer to pay.',
    noMatches: 'No payments match these filters', loadFailed: 'Could not load payments', retry: 'Try again', test: 'test',
  },
  detail: {
    back: 'All payments', amount: 'Amount', captured: 'Paid', refunded: 'Refunded', refundable: 'Can be refunded',
    provider: 'Provider', providerId: 'Provider payment id', created: 'Created', expires: 'Link expires',
    reference: 'For', customer: 'Customer', payLink: 'Payment page', mode: 'Mode', test: 'Test', live: 'Live',
    timeline: 'Timeline', refunds: 'Refunds', holds: 'Holds', noRefunds: 'No refunds', sync: 'Check with provider',
    synced: 'Checked with the provider: {status}', notFound: 'This payment does not exist or you cannot see it', loadFailed: 'Could not load the payment',
    capture: 'Capture', captureConfirm: 'Capture {amount} now?', captureDone: 'Payment captured',
    cancel: 'Cancel payment', cancelConfirm: 'Cancel this payment? The customer will no longer be able to pay it.', cancelDone: 'Payment canceled',
  },
  timeline: {
    created: 'Created for {amount}', refund: 'Refunded {amount}', refundExternal: 'Refund made at the provider: {amount}',
    total: 'Refunded in total: {amount}', late: 'Paid after the link had expired', event: 'Event {id}', reason: 'Reason: {reason}', empty: 'No events recorded',
  },
  refund: {
    button: 'Refund', title: 'Refund payment', amount: 'Amount to refund', upTo: 'Up to {amount}', all: 'Refund all',
    reason: 'Reason (optional)', submit: 'Refund {amount}', submitEmpty: 'Refund', done: 'Refunded {amount}',
    safe: 'Pressing “Refund” again after an error never refunds twice.', nothingLeft: 'Nothing left to refund',
    errors: {
      empty: 'Enter an amount', invalid: 'Not an amount', tooManyDecimals: 'Too many decimals for {currency}', tooLarge: 'Too large',
      zero: 'Must be more than zero', exceeds: 'At most {amount} can be refunded',
    },
  },
  recon: {
    subtitle: 'Our ledger compared with what the providers report, daily and on demand',
    run: 'Reconcile now', ran: 'Checked {n} payments: {d} differences', day: 'Day', ranAt: 'Ran at', checked: 'Checked',
    differences: 'Differences', errors: 'Errors', emptyTitle: 'No reconciliation yet', emptyHint: 'It runs every night at 03:30, or press “Reconcile now”.',
    pick: 'Choose a run to see its differences', agree: 'Ledger and providers agree', field: 'What', ours: 'Our ledger', theirs: 'Provider', payment: 'Payment',
    fields: { status: 'Status', amountCaptured: 'Amount paid', amountRefunded: 'Amount refunded' },
    errorsTitle: 'Could not check', loadFailed: 'Could not load reconciliation reports',
  },
  providers: {
    subtitle: 'Connect the providers your customers pay through', enabled: 'Enabled', disabled: 'Disabled', enable: 'Enable', enabledDone: '{name} enabled',
    configure: 'Settings', settingsTitle: '{name} settings', mode: 'Mode', test: 'Test', live: 'Live',
    webhookUrl: 'Webhook URL', copy: 'Copy', copied: 'Copied',
    setup: {
      dashboard: 'Add this URL as a webhook endpoint in the provider’s dashboard and paste its signing secret into the settings.',
      perPayment: 'Sent with every payment automatically (result URL); nothing to set up at the provider.',
      polled: 'This provider has no webhooks: payment status is checked automatically.',
      generic: 'Give this URL to the provider as the notification address.',
    },
    missing: 'Not configured yet: {list}', noBaseUrl: 'The public address of this platform is not set in the payments settings (publicBaseUrl): the address shown is the one this browser uses.',
    emptyTitle: 'No payment providers installed', emptyHint: 'The platform operator installs provider plugins (Stripe, FreedomPay, Kaspi…).', noAccess: 'Only people who manage plugins can set up providers.',
    saved: 'Settings saved', loadFailed: 'Could not load providers',
    noAccessTitle: 'No access to provider settings', noAccessHint: 'Setting up payment providers needs the permission to configure plugins. Ask the owner or an administrator.',
  },
  widget: { title: 'Payments', paid: 'Paid, last 7 days', empty: 'No payments yet', viewAll: 'All payments' },
};
type Messages = typeof en;

const ru: Messages = {
  title: 'Платежи',
  subtitle: 'Онлайн-оплата через ваших провайдеров',
  tabs: { list: 'Платежи', reconciliation: 'Сверка', providers: 'Провайдеры' },
  status: {
    pending: 'Ожидает', requires_action: 'Ждёт клиента', authorized: 'Авторизован', captured: 'Оплачен',
    partially_refunded: 'Частичный возврат', refunded: 'Возвращён', failed: 'Ошибка', canceled: 'Отменён', expired: 'Истёк',
  },
  source: { api: 'пользователь', webhook: 'вебхук провайдера', poller: 'проверка статуса', reconcile: 'сверка', hold: 'бронь', provider: 'провайдер' },
  col: { created: 'Создан', amount: 'Сумма', status: 'Статус', provider: 'Провайдер', description: 'Описание', customer: 'Клиент', refunded: 'Возвращено' },
  filter: {
    search: 'Поиск: описание, клиент, id платежа',
    status: 'Статус', provider: 'Провайдер', currency: 'Валюта', from: 'С', to: 'По',
    amountMin: 'Сумма от', amountMax: 'Сумма до', clear: 'Сбросить фильтры', filters: 'Фильтры',
    invalidDate: 'Неверная дата', dateOrder: 'Не раньше даты «С»', invalidAmount: 'Неверная сумма для этой валюты', amountOrder: 'Не меньше «Суммы от»',
  },
  list: {
    emptyTitle: 'Платежей пока нет', emptyHint: 'Платежи появятся, когда плагин или сотрудник выставит клиенту счёт.',
    noMatches: 'Нет платежей по этим фильтрам', loadFailed: 'Не удалось загрузить платежи', retry: 'Повторить', test: 'тест',
  },
  detail: {
    back: 'Все платежи', amount: 'Сумма', captured: 'Оплачено', refunded: 'Возвращено', refundable: 'Можно вернуть',
    provider: 'Провайдер', providerId: 'ID у провайдера', created: 'Создан', expires: 'Ссылка действует до',
    reference: 'Для', customer: 'Клиент', payLink: 'Страница оплаты', mode: 'Режим', test: 'Тест', live: 'Боевой',
    timeline: 'История', refunds: 'Возвраты', holds: 'Брони', noRefunds: 'Возвратов нет', sync: 'Проверить у провайдера',
    synced: 'Проверено у провайдера: {status}', notFound: 'Платёж не найден или недоступен вам', loadFailed: 'Не удалось загрузить платёж',
    capture: 'Списать', captureConfirm: 'Списать {amount} сейчас?', captureDone: 'Платёж списан',
    cancel: 'Отменить платёж', cancelConfirm: 'Отменить платёж? Клиент больше не сможет его оплатить.', cancelDone: 'Платёж отменён',
  },
  timeline: {
    created: 'Создан на {amount}', refund: 'Возврат {amount}', refundExternal: 'Возврат у провайдера: {amount}',
    total: 'Всего возвращено: {amount}', late: 'Оплачен после истечения ссылки', event: 'Событие {id}', reason: 'Причина: {reason}', empty: 'Событий нет',
  },
  refund: {
    button: 'Вернуть', title: 'Возврат платежа', amount: 'Сумма возврата', upTo: 'Не больше {amount}', all: 'Вернуть всё',
    reason: 'Причина (необязательно)', submit: 'Вернуть {amount}', submitEmpty: 'Вернуть', done: 'Возвращено {amount}',
    safe: 'Повторное нажатие «Вернуть» после ошибки не вернёт деньги дважды.', nothingLeft: 'Возвращать больше нечего',
    errors: {
      empty: 'Введите сумму', invalid: 'Неверная сумма', tooManyDecimals: 'Слишком много знаков после запятой для {currency}', tooLarge: 'Слишком большая сумма',
      zero: 'Сумма должна быть больше нуля', exceeds: 'Можно вернуть не больше {amount}',
    },
  },
  recon: {
    subtitle: 'Сверка нашего учёта с данными провайдеров — ежедневно и по запросу',
    run: 'Сверить сейчас', ran: 'Проверено платежей: {n}, расхождений: {d}', day: 'День', ranAt: 'Запуск', checked: 'Проверено',
    differences: 'Расхождения', errors: 'Ошибки', emptyTitle: 'Сверок ещё не было', emptyHint: 'Сверка запускается каждую ночь в 03:30 или по кнопке «Сверить сейчас».',
    pick: 'Выберите сверку, чтобы увидеть расхождения', agree: 'Учёт и провайдеры совпадают', field: 'Что', ours: 'Наш учёт', theirs: 'Провайдер', payment: 'Платёж',
    fields: { status: 'Статус', amountCaptured: 'Оплаченная сумма', amountRefunded: 'Возвращённая сумма' },
    errorsTitle: 'Не удалось проверить', loadFailed: 'Не удалось загрузить отчёты сверки',
  },
  providers: {
    subtitle: 'Подключите провайдеров, через которых платят ваши клиенты', enabled: 'Включён', disabled: 'Выключен', enable: 'Включить', enabledDone: '{name} включён',
    configure: 'Настройки', settingsTitle: 'Настройки: {name}', mode: 'Режим', test: 'Тест', live: 'Боевой',
    webhookUrl: 'URL вебхука', copy: 'Копировать', copied: 'Скопировано',
    setup: {
      dashboard: 'Добавьте этот URL как webhook endpoint в кабинете провайдера и вставьте его секрет подписи в настройки.',
      perPayment: 'Передаётся с каждым платежом автоматически (result URL); у провайдера ничего настраивать не нужно.',
      polled: 'У этого провайдера нет вебхуков: статус оплаты проверяется автоматически.',
      generic: 'Укажите этот URL у провайдера как адрес уведомлений.',
    },
    missing: 'Ещё не настроено: {list}', noBaseUrl: 'Публичный адрес платформы не задан в настройках платежей (publicBaseUrl): показан адрес, которым пользуется этот браузер.',
    emptyTitle: 'Провайдеры платежей не установлены', emptyHint: 'Плагины провайдеров (Stripe, FreedomPay, Kaspi…) устанавливает оператор платформы.', noAccess: 'Настраивать провайдеров могут только те, кто управляет плагинами.',
    saved: 'Настройки сохранены', loadFailed: 'Не удалось загрузить провайдеров',
    noAccessTitle: 'Нет доступа к настройкам провайдеров', noAccessHint: 'Для настройки платёжных провайдеров нужно право настраивать плагины. Обратитесь к владельцу или администратору.',
  },
  widget: { title: 'Платежи', paid: 'Оплачено за 7 дней', empty: 'Платежей пока нет', viewAll: 'Все платежи' },
};

const uk: Messages = {
  title: 'Платежі',
  subtitle: 'Онлайн-оплата через ваших провайдерів',
  tabs: { list: 'Платежі', reconciliation: 'Звірка', providers: 'Провайдери' },
  status: {
    pending: 'Очікує', requires_action: 'Чекає на клієнта', authorized: 'Авторизовано', captured: 'Сплачено',
    partially_refunded: 'Частково повернено', refunded: 'Повернено', failed: 'Помилка', canceled: 'Скасовано', expired: 'Прострочено',
  },
  source: { api: 'користувач', webhook: 'вебхук провайдера', poller: 'перевірка статусу', reconcile: 'звірка', hold: 'бронь', provider: 'провайдер' },
  col: { created: 'Створено', amount: 'Сума', status: 'Статус', provider: 'Провайдер', description: 'Опис', customer: 'Клієнт', refunded: 'Повернено' },
  filter: {
    search: 'Пошук: опис, клієнт, id платежу',
    status: 'Статус', provider: 'Провайдер', currency: 'Валюта', from: 'З', to: 'По',
    amountMin: 'Сума від', amountMax: 'Сума до', clear: 'Скинути фільтри', filters: 'Фільтри',
    invalidDate: 'Невірна дата', dateOrder: 'Не раніше дати «З»', invalidAmount: 'Невірна сума для цієї валюти', amountOrder: 'Не менше «Суми від»',
  },
  list: {
    emptyTitle: 'Платежів поки немає', emptyHint: 'Платежі з’являться, коли плагін або співробітник виставить клієнту рахунок.',
    noMatches: 'Немає платежів за цими фільтрами', loadFailed: 'Не вдалося завантажити платежі', retry: 'Повторити', test: 'тест',
  },
  detail: {
    back: 'Усі платежі', amount: 'Сума', captured: 'Сплачено', refunded: 'Повернено', refundable: 'Можна повернути',
    provider: 'Провайдер', providerId: 'ID у провайдера', created: 'Створено', expires: 'Посилання діє до',
    reference: 'Для', customer: 'Клієнт', payLink: 'Сторінка оплати', mode: 'Режим', test: 'Тест', live: 'Бойовий',
    timeline: 'Історія', refunds: 'Повернення', holds: 'Броні', noRefunds: 'Повернень немає', sync: 'Перевірити у провайдера',
    synced: 'Перевірено у провайдера: {status}', notFound: 'Платіж не знайдено або він вам недоступний', loadFailed: 'Не вдалося завантажити платіж',
    capture: 'Списати', captureConfirm: 'Списати {amount} зараз?', captureDone: 'Платіж списано',
    cancel: 'Скасувати платіж', cancelConfirm: 'Скасувати платіж? Клієнт більше не зможе його сплатити.', cancelDone: 'Платіж скасовано',
  },
  timeline: {
    created: 'Створено на {amount}', refund: 'Повернення {amount}', refundExternal: 'Повернення у провайдера: {amount}',
    total: 'Усього повернено: {amount}', late: 'Сплачено після закінчення посилання', event: 'Подія {id}', reason: 'Причина: {reason}', empty: 'Подій немає',
  },
  refund: {
    button: 'Повернути', title: 'Повернення платежу', amount: 'Сума повернення', upTo: 'Не більше {amount}', all: 'Повернути все',
    reason: 'Причина (необов’язково)', submit: 'Повернути {amount}', submitEmpty: 'Повернути', done: 'Повернено {amount}',
    safe: 'Повторне натискання «Повернути» після помилки не поверне гроші двічі.', nothingLeft: 'Повертати більше нічого',
    errors: {
      empty: 'Введіть суму', invalid: 'Невірна сума', tooManyDecimals: 'Забагато знаків після коми для {currency}', tooLarge: 'Завелика сума',
      zero: 'Сума має бути більшою за нуль', exceeds: 'Можна повернути не більше {amount}',
    },
  },
  recon: {
    subtitle: 'Звірка нашого обліку з даними провайдерів — щодня та на вимогу',
    run: 'Звірити зараз', ran: 'Перевірено платежів: {n}, розбіжностей: {d}', day: 'День', ranAt: 'Запуск', checked: 'Перевірено',
    differences: 'Розбіжності', errors: 'Помилки', emptyTitle: 'Звірок ще не було', emptyHint: 'Звірка запускається щоночі о 03:30 або кнопкою «Звірити зараз».',
    pick: 'Оберіть звірку, щоб побачити розбіжності', agree: 'Облік і провайдери збігаються', field: 'Що', ours: 'Наш облік', theirs: 'Провайдер', payment: 'Платіж',
    fields: { status: 'Статус', amountCaptured: 'Сплачена сума', amountRefunded: 'Повернена сума' },
    errorsTitle: 'Не вдалося перевірити', loadFailed: 'Не вдалося завантажити звіти звірки',
  },
  providers: {
    subtitle: 'Підключіть провайдерів, через яких платять ваші клієнти', enabled: 'Увімкнено', disabled: 'Вимкнено', enable: 'Увімкнути', enabledDone: '{name} увімкнено',
    configure: 'Налаштування', settingsTitle: 'Налаштування: {name}', mode: 'Режим', test: 'Тест', live: 'Бойовий',
    webhookUrl: 'URL вебхука', copy: 'Копіювати', copied: 'Скопійовано',
    setup: {
      dashboard: 'Додайте цей URL як webhook endpoint у кабінеті провайдера та вставте його секрет підпису в налаштування.',
      perPayment: 'Передається з кожним платежем автоматично (result URL); у провайдера нічого налаштовувати не треба.',
      polled: 'Цей провайдер не має вебхуків: статус оплати перевіряється автоматично.',
      generic: 'Вкажіть цей URL у провайдера як адресу сповіщень.',
    },
    missing: 'Ще не налаштовано: {list}', noBaseUrl: 'Публічну адресу платформи не задано в налаштуваннях платежів (publicBaseUrl): показано адресу, якою користується цей браузер.',
    emptyTitle: 'Провайдерів платежів не встановлено', emptyHint: 'Плагіни провайдерів (Stripe, FreedomPay, Kaspi…) встановлює оператор платформи.', noAccess: 'Налаштовувати провайдерів можуть лише ті, хто керує плагінами.',
    saved: 'Налаштування збережено', loadFailed: 'Не вдалося завантажити провайдерів',
    noAccessTitle: 'Немає доступу до налаштувань провайдерів', noAccessHint: 'Для налаштування платіжних провайдерів потрібне право налаштовувати плагіни. Зверніться до власника або адміністратора.',
  },
  widget: { title: 'Платежі', paid: 'Сплачено за 7 днів', empty: 'Платежів поки немає', viewAll: 'Усі платежі' },
};

const kk: Messages = {
  title: 'Төлемдер',
  subtitle: 'Провайдерлеріңіз арқылы онлайн төлем',
  tabs: { list: 'Төлемдер', reconciliation: 'Салыстыру', providers: 'Провайдерлер' },
  status: {
    pending: 'Күтуде', requires_action: 'Клиентті күтуде', authorized: 'Авторизацияланды', captured: 'Төленді',
    partially_refunded: 'Ішінара қайтарылды', refunded: 'Қайтарылды', failed: 'Қате', canceled: 'Болдырылмады', expired: 'Мерзімі өтті',
  },
  source: { api: 'пайдаланушы', webhook: 'провайдер вебхугы', poller: 'мәртебені тексеру', reconcile: 'салыстыру', hold: 'брондау', provider: 'провайдер' },
  col: { created: 'Құрылды', amount: 'Сома', status: 'Мәртебе', provider: 'Провайдер', description: 'Сипаттама', customer: 'Клиент', refunded: 'Қайтарылды' },
  filter: {
    search: 'Іздеу: сипаттама, клиент, төлем id',
    status: 'Мәртебе', provider: 'Провайдер', currency: 'Валюта', from: 'Бастап', to: 'Дейін',
    amountMin: 'Сома бастап', amountMax: 'Сома дейін', clear: 'Сүзгілерді тазарту', filters: 'Сүзгілер',
    invalidDate: 'Күн қате', dateOrder: '«Бастап» күнінен ерте болмауы керек', invalidAmount: 'Бұл валюта үшін сома қате', amountOrder: '«Сома бастап» мәнінен кем болмауы керек',
  },
  list: {
    emptyTitle: 'Әзірге төлем жоқ', emptyHint: 'Плагин немесе қызметкер клиентке шот жібергенде төлемдер осында пайда болады.',
    noMatches: 'Бұл сүзгілер бойынша төлем жоқ', loadFailed: 'Төлемдерді жүктеу мүмкін болмады', retry: 'Қайталау', test: 'тест',
  },
  detail: {
    back: 'Барлық төлемдер', amount: 'Сома', captured: 'Төленді', refunded: 'Қайтарылды', refundable: 'Қайтаруға болады',
    provider: 'Провайдер', providerId: 'Провайдердегі ID', created: 'Құрылды', expires: 'Сілтеме мерзімі',
    reference: 'Не үшін', customer: 'Клиент', payLink: 'Төлем беті', mode: 'Режим', test: 'Тест', live: 'Жұмыс',
    timeline: 'Тарих', refunds: 'Қайтарулар', holds: 'Брондар', noRefunds: 'Қайтару жоқ', sync: 'Провайдерден тексеру',
    synced: 'Провайдерден тексерілді: {status}', notFound: 'Төлем табылмады немесе сізге қолжетімсіз', loadFailed: 'Төлемді жүктеу мүмкін болмады',
    capture: 'Есептен шығару', captureConfirm: '{amount} қазір есептен шығарылсын ба?', captureDone: 'Төлем есептен шығарылды',
    cancel: 'Төлемді болдырмау', cancelConfirm: 'Төлем болдырылмасын ба? Клиент оны енді төлей алмайды.', cancelDone: 'Төлем болдырылмады',
  },
  timeline: {
    created: '{amount} сомасына құрылды', refund: '{amount} қайтарылды', refundExternal: 'Провайдерде қайтарылды: {amount}',
    total: 'Барлығы қайтарылды: {amount}', late: 'Сілтеме мерзімі өткен соң төленді', event: 'Оқиға {id}', reason: 'Себебі: {reason}', empty: 'Оқиғалар жоқ',
  },
  refund: {
    button: 'Қайтару', title: 'Төлемді қайтару', amount: 'Қайтару сомасы', upTo: 'Ең көбі {amount}', all: 'Барлығын қайтару',
    reason: 'Себебі (міндетті емес)', submit: '{amount} қайтару', submitEmpty: 'Қайтару', done: '{amount} қайтарылды',
    safe: 'Қатеден кейін «Қайтару» батырмасын қайта басу ақшаны екі рет қайтармайды.', nothingLeft: 'Қайтаратын ештеңе қалмады',
    errors: {
      empty: 'Соманы енгізіңіз', invalid: 'Сома қате', tooManyDecimals: '{currency} үшін үтірден кейін таңба тым көп', tooLarge: 'Сома тым үлкен',
      zero: 'Сома нөлден үлкен болуы керек', exceeds: 'Ең көбі {amount} қайтаруға болады',
    },
  },
  recon: {
    subtitle: 'Біздің есепті провайдерлер деректерімен салыстыру — күн сайын және сұрау бойынша',
    run: 'Қазір салыстыру', ran: 'Тексерілген төлемдер: {n}, айырмашылықтар: {d}', day: 'Күн', ranAt: 'Іске қосылды', checked: 'Тексерілді',
    differences: 'Айырмашылықтар', errors: 'Қателер', emptyTitle: 'Әзірге салыстыру болған жоқ', emptyHint: 'Салыстыру әр түнде 03:30-да немесе «Қазір салыстыру» батырмасымен іске қосылады.',
    pick: 'Айырмашылықтарды көру үшін салыстыруды таңдаңыз', agree: 'Есеп пен провайдерлер сәйкес', field: 'Не', ours: 'Біздің есеп', theirs: 'Провайдер', payment: 'Төлем',
    fields: { status: 'Мәртебе', amountCaptured: 'Төленген сома', amountRefunded: 'Қайтарылған сома' },
    errorsTitle: 'Тексеру мүмкін болмады', loadFailed: 'Салыстыру есептерін жүктеу мүмкін болмады',
  },
  providers: {
    subtitle: 'Клиенттеріңіз төлейтін провайдерлерді қосыңыз', enabled: 'Қосулы', disabled: 'Өшірулі', enable: 'Қосу', enabledDone: '{name} қосылды',
    configure: 'Баптаулар', settingsTitle: '{name} баптаулары', mode: 'Режим', test: 'Тест', live: 'Жұмыс',
    webhookUrl: 'Вебхук URL', copy: 'Көшіру', copied: 'Көшірілді',
    setup: {
      dashboard: 'Бұл URL-ді провайдер кабинетінде webhook endpoint ретінде қосып, оның қолтаңба құпиясын баптауларға қойыңыз.',
      perPayment: 'Әр төлеммен автоматты түрде жіберіледі (result URL); провайдерде ештеңе баптаудың қажеті жоқ.',
      polled: 'Бұл провайдерде вебхук жоқ: төлем мәртебесі автоматты түрде тексеріледі.',
      generic: 'Бұл URL-ді провайдерге хабарлама мекенжайы ретінде беріңіз.',
    },
    missing: 'Әлі бапталмаған: {list}', noBaseUrl: 'Платформаның жария мекенжайы төлем баптауларында берілмеген (publicBaseUrl): осы браузер қолданатын мекенжай көрсетілген.',
    emptyTitle: 'Төлем провайдерлері орнатылмаған', emptyHint: 'Провайдер плагиндерін (Stripe, FreedomPay, Kaspi…) платформа операторы орнатады.', noAccess: 'Провайдерлерді тек плагиндерді басқаратындар баптай алады.',
    saved: 'Баптаулар сақталды', loadFailed: 'Провайдерлерді жүктеу мүмкін болмады',
    noAccessTitle: 'Провайдер баптауларына рұқсат жоқ', noAccessHint: 'Төлем провайдерлерін баптау үшін плагиндерді баптау құқығы қажет. Иесіне немесе әкімшіге хабарласыңыз.',
  },
  widget: { title: 'Төлемдер', paid: '7 күнде төленді', empty: 'Әзірге төлем жоқ', viewAll: 'Барлық төлемдер' },
};

export default { en, ru, uk, kk };
