// Messages of the file features (catalogue import/export, task photos, receipt e-mail/PDF) and of
// customer editing / till cash, merged into the plugin's messages by messages.ts under `io`.
const en = {
  io: {
    import: 'Import', export: 'Export', exportCsv: 'CSV (Excel, ;)', exportXlsx: 'Excel (.xlsx)', exported: 'Downloaded {name}',
    importTitle: 'Import products', importHint: 'A CSV or .xlsx file in the export format: new SKUs are created, known ones updated.',
    file: 'File', modeAll: 'If any row is bad, import nothing', modeValid: 'Import the good rows, skip the bad ones',
    check: 'Check the file', checking: 'Checking…', importing: 'Importing… {p}%', run: 'Import',
    checked: 'Checked: {rows} rows, no errors', checkedErrors: '{n} rows have errors — nothing was written',
    done: 'Imported: {created} new, {updated} updated', doneErrors: 'Imported: {created} new, {updated} updated; {n} rows skipped',
    failed: 'Nothing was imported: {n} rows have errors', row: 'Row', column: 'Column', problem: 'Problem', more: 'and {n} more',
    badType: 'Choose a .csv or .xlsx file',
    photos: 'Photo reports', addPhoto: 'Add a photo', caption: 'Caption (optional)', noPhotos: 'No photos yet', photoAdded: 'Photo added',
    emailReceipt: 'E-mail receipt', emailTo: 'E-mail address', send: 'Send', sent: 'Receipt sent to {email}',
    editCustomer: 'Edit', notes: 'Notes', creditLimit: 'Credit limit',
    tillCash: 'Cash goes into the drawer of {register}', noTill: 'No open shift at this device’s till: cash will not be counted in a drawer',
  },
};
type Messages = typeof en;

const ru: Messages = {
  io: {
    import: 'Импорт', export: 'Экспорт', exportCsv: 'CSV (Excel, ;)', exportXlsx: 'Excel (.xlsx)', exported: 'Скачан файл {name}',
    importTitle: 'Импорт товаров', importHint: 'Файл CSV или .xlsx в формате экспорта: новые артикулы создаются, известные обновляются.',
    file: 'Файл', modeAll: 'Если есть ошибки — не загружать ничего', modeValid: 'Загрузить верные строки, пропустить ошибочные',
    check: 'Проверить файл', checking: 'Проверка…', importing: 'Импорт… {p}%', run: 'Импортировать',
    checked: 'Проверено: строк {rows}, ошибок нет', checkedErrors: 'Строк с ошибками: {n} — ничего не записано',
    done: 'Загружено: новых {created}, обновлено {updated}', doneErrors: 'Загружено: новых {created}, обновлено {updated}; пропущено строк: {n}',
    failed: 'Ничего не загружено: строк с ошибками {n}', row: 'Строка', column: 'Колонка', problem: 'Ошибка', more: 'и ещё {n}',
    badType: 'Выберите файл .csv или .xlsx',
    photos: 'Фотоотчёты', addPhoto: 'Добавить фото', caption: 'Подпись (необязательно)', noPhotos: 'Фото пока нет', photoAdded: 'Фото добавлено',
    emailReceipt: 'Чек на e-mail', emailTo: 'Адрес e-mail', send: 'Отправить', sent: 'Чек отправлен на {email}',
    editCustomer: 'Изменить', notes: 'Заметки', creditLimit: 'Кредитный лимит',
    tillCash: 'Наличные поступят в кассу {register}', noTill: 'На кассе этого устройства нет открытой смены: наличные не попадут в денежный ящик',
  },
};

const uk: Messages = {
  io: {
    import: 'Імпорт', export: 'Експорт', exportCsv: 'CSV (Excel, ;)', exportXlsx: 'Excel (.xlsx)', exported: 'Завантажено файл {name}',
    importTitle: 'Імпорт товарів', importHint: 'Файл CSV або .xlsx у форматі експорту: нові артикули створюються, відомі оновлюються.',
    file: 'Файл', modeAll: 'Якщо є помилки — не завантажувати нічого', modeValid: 'Завантажити правильні рядки, пропустити помилкові',
    check: 'Перевірити файл', checking: 'Перевірка…', importing: 'Імпорт… {p}%', run: 'Імпортувати',
    checked: 'Перевірено: рядків {rows}, помилок немає', checkedErrors: 'Рядків з помилками: {n} — нічого не записано',
    done: 'Завантажено: нових {created}, оновлено {updated}', doneErrors: 'Завантажено: нових {created}, оновлено {updated}; пропущено рядків: {n}',
    failed: 'Нічого не завантажено: рядків з помилками {n}', row: 'Рядок', column: 'Колонка', problem: 'Помилка', more: 'і ще {n}',
    badType: 'Оберіть файл .csv або .xlsx',
    photos: 'Фотозвіти', addPhoto: 'Додати фото', caption: 'Підпис (необовʼязково)', noPhotos: 'Фото поки немає', photoAdded: 'Фото додано',
    emailReceipt: 'Чек на e-mail', emailTo: 'Адреса e-mail', send: 'Надіслати', sent: 'Чек надіслано на {email}',
    editCustomer: 'Змінити', notes: 'Нотатки', creditLimit: 'Кредитний ліміт',
    tillCash: 'Готівка надійде в касу {register}', noTill: 'На касі цього пристрою немає відкритої зміни: готівка не потрапить у грошову скриньку',
  },
};

const kk: Messages = {
  io: {
    import: 'Импорт', export: 'Экспорт', exportCsv: 'CSV (Excel, ;)', exportXlsx: 'Excel (.xlsx)', exported: '{name} файлы жүктелді',
    importTitle: 'Тауарларды импорттау', importHint: 'Экспорт пішініндегі CSV немесе .xlsx файлы: жаңа артикулдар құрылады, бары жаңартылады.',
    file: 'Файл', modeAll: 'Қате болса — ештеңе жүктемеу', modeValid: 'Дұрыс жолдарды жүктеу, қателерін өткізіп жіберу',
    check: 'Файлды тексеру', checking: 'Тексерілуде…', importing: 'Импорт… {p}%', run: 'Импорттау',
    checked: 'Тексерілді: {rows} жол, қате жоқ', checkedErrors: 'Қатесі бар жолдар: {n} — ештеңе жазылмады',
    done: 'Жүктелді: жаңа {created}, жаңартылды {updated}', doneErrors: 'Жүктелді: жаңа {created}, жаңартылды {updated}; өткізілген жолдар: {n}',
    failed: 'Ештеңе жүктелмеді: қатесі бар жолдар {n}', row: 'Жол', column: 'Баған', problem: 'Қате', more: 'тағы {n}',
    badType: '.csv немесе .xlsx файлын таңдаңыз',
    photos: 'Фотоесептер', addPhoto: 'Фото қосу', caption: 'Жазба (міндетті емес)', noPhotos: 'Әзірге фото жоқ', photoAdded: 'Фото қосылды',
    emailReceipt: 'Чекті e-mail-ге', emailTo: 'E-mail мекенжайы', send: 'Жіберу', sent: 'Чек {email} мекенжайына жіберілді',
    editCustomer: 'Өзгерту', notes: 'Ескертпелер', creditLimit: 'Несие лимиті',
    tillCash: 'Қолма-қол ақша {register} кассасына түседі', noTill: 'Осы құрылғының кассасында ашық ауысым жоқ: қолма-қол ақша жәшікке есептелмейді',
  },
};

export const files = { en, ru, uk, kk };
