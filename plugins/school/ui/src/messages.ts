// Merged by the shell under the plugin id: components use t('school.…'). vue-i18n syntax: {n} is a
// placeholder, a literal @ or { would be written {'@'} / {'{'}.
const en = {
  leads: { new: 'New lead', hint: 'Drag a card to another column to move the lead', why: 'Why was the lead lost?', status: { new: 'New', contacted: 'Contacted', trial_booked: 'Trial booked', trial_done: 'Trial done', enrolled: 'Enrolled', rejected: 'Lost' }, reason: { label: 'Reason', price: 'Price', schedule: 'Schedule', location: 'Location', no_answer: 'No answer', chose_other: 'Chose another centre' } },
  move: { title: 'Move the lesson', conflicts: 'At that time someone is busy:', free: 'Nobody is busy then: the lesson can move.', confirm: 'Move', done: 'Lesson moved', teacher: 'Teacher', room: 'Room', group: 'Group', hint: 'Drag a lesson to another day to move it' },
  reports: { attendance: 'Attendance', finance: 'Finance', payroll: 'Payroll', debts: 'Debts', leads: 'Leads', lastMonth: 'Last 30 days', empty: 'Nothing in this period' },
  dashboard: { noLessons: 'No lessons today', attendance: 'Attendance this week', paidToday: 'Received today', paidMonth: 'Received this month', debts: 'Owed by {n} students', conversion: 'Leads enrolled ({n} this month)' },
  tabs: { schedule: 'Schedule', groups: 'Groups', students: 'Students', money: 'Money', reports: 'Reports', leads: 'Leads' },
  common: { save: 'Save', cancel: 'Cancel', close: 'Close', add: 'Add', retry: 'Try again', back: 'Back', search: 'Search', more: 'Show more', none: '—', loadFailed: 'Could not load this page' },
  weekday: { 1: 'Mon', 2: 'Tue', 3: 'Wed', 4: 'Thu', 5: 'Fri', 6: 'Sat', 7: 'Sun' },
  status: { planned: 'Planned', done: 'Held', canceled: 'Canceled', active: 'Active', trial: 'Trial', paused: 'Paused', left: 'Left', expired: 'Expired', archived: 'Archived', open: 'Open', paid: 'Paid' },
  schedule: {
    title: 'Schedule', today: 'This week', prev: 'Previous week', next: 'Next week', teacher: 'Teacher', room: 'Room', allTeachers: 'All teachers', allRooms: 'All rooms',
    empty: 'No lessons this week', emptyHint: 'Create a group with a weekly schedule and generate its lessons.', marked: '{n} of {total} marked', moved: 'moved', substitute: 'substitute: {name}',
  },
  lesson: {
    title: 'Attendance', attended: 'Came', excused: 'Excused', unexcused: 'Missed', allCame: 'Everyone came', save: 'Save marks', saved: 'Marks saved', clear: 'Take back',
    noStudents: 'No students in this lesson', noPass: 'No pass', left: '{n} lessons left', leftUntil: '{n} left · until {date}', future: 'Attendance is marked on the day of the lesson.',
    canceled: 'This lesson is canceled.', readOnly: 'You may look at this sheet but not mark it.', unsaved: '{n} unsaved', charged: 'charged',
  },
  groups: {
    title: 'Groups', new: 'New group', created: 'Group created', search: 'Name of the group', empty: 'No groups yet', emptyHint: 'A group has a teacher, a room and a weekly schedule.',
    noMatches: 'No groups match', name: 'Name', branch: 'Branch', subject: 'Subject', teacher: 'Teacher', room: 'Room', capacity: 'Places', seats: '{n} of {total} places',
    slots: 'Weekly schedule', slot: 'Day and time', weekday: 'Day', start: 'Starts', minutes: 'Minutes', addSlot: 'Add a day', noSlots: 'No weekly schedule yet',
    setupFirst: 'Add a branch, a subject and a teacher under School setup first.',
  },
  group: {
    members: 'Students', addMember: 'Add a student', pickStudent: 'Find a student', enrolled: '{name} added to the group', leave: 'Remove from group', leaveConfirm: 'Remove {name} from the group from today?',
    noMembers: 'No students in the group yet', generate: 'Generate lessons', from: 'From', to: 'To', generated: '{created} lessons created, {existing} were there already',
    holidays: '{n} fell on holidays', conflicts: '{n} could not be placed (teacher or room busy)', lessons: 'Lessons', lessonsLeft: '{n} left on passes',
  },
  students: {
    title: 'Students', new: 'New student', created: 'Student added', search: 'Name or phone', empty: 'No students yet', emptyHint: 'Add students by hand or import them from Excel or AlfaCRM.',
    noMatches: 'No students match', debtors: 'Owing money', name: 'Full name', phone: 'Phone', birthDate: 'Date of birth', parent: 'Parent', parentName: "Parent's name", parentPhone: "Parent's phone",
    balance: 'Balance', lessonsLeft: 'Lessons left',
  },
  student: {
    contacts: 'Contacts', groups: 'Groups', passes: 'Passes', payments: 'Payments', noPasses: 'No passes', noPayments: 'No payments yet', debt: 'Owes {amount}', onAccount: '{amount} on account',
    overdue: 'of which overdue {amount}', sellPass: 'Sell a pass', tariff: 'Tariff', payNow: 'Paid now', method: 'How', amount: 'Amount', pay: 'Take a payment', paid: 'Payment recorded',
    sold: 'Pass sold', passLine: '{used} of {total} used · {from} – {until}', freeze: 'Freeze', freezeFrom: 'From', freezeTo: 'To', frozen: 'Pass frozen: it is valid {n} days longer',
    noTariffs: 'No pass tariffs yet: add one under School setup.', relation: { mother: 'Mother', father: 'Father', self: 'Self', other: 'Other', guardian: 'Guardian' },
  },
  money: {
    title: 'Money', payments: 'Payments', debtors: 'Debtors', noPayments: 'No payments yet', noDebtors: 'Nobody owes money', student: 'Student', paidAt: 'Paid', amount: 'Amount', method: 'How', balance: 'Balance',
  },
  method: { cash: 'Cash', card: 'Card', transfer: 'Transfer', online: 'Online' },
};

const ru: typeof en = {
  leads: { new: 'Новый лид', hint: 'Перетащите карточку в другую колонку, чтобы сменить статус', why: 'Почему лид потерян?', status: { new: 'Новый', contacted: 'Связались', trial_booked: 'Записан на пробный', trial_done: 'Был на пробном', enrolled: 'Записан в группу', rejected: 'Отказ' }, reason: { label: 'Причина', price: 'Цена', schedule: 'Расписание', location: 'Расположение', no_answer: 'Не отвечает', chose_other: 'Выбрал другой центр' } },
  move: { title: 'Перенос урока', conflicts: 'В это время заняты:', free: 'В это время все свободны: урок можно перенести.', confirm: 'Перенести', done: 'Урок перенесён', teacher: 'Преподаватель', room: 'Аудитория', group: 'Группа', hint: 'Перетащите урок на другой день, чтобы перенести его' },
  reports: { attendance: 'Посещаемость', finance: 'Финансы', payroll: 'Зарплата', debts: 'Долги', leads: 'Лиды', lastMonth: 'Последние 30 дней', empty: 'За этот период ничего нет' },
  dashboard: { noLessons: 'Сегодня уроков нет', attendance: 'Посещаемость за неделю', paidToday: 'Получено сегодня', paidMonth: 'Получено за месяц', debts: 'Долги учеников: {n}', conversion: 'Конверсия лидов (за месяц: {n})' },
  tabs: { schedule: 'Расписание', groups: 'Группы', students: 'Ученики', money: 'Финансы', reports: 'Отчёты', leads: 'Лиды' },
  common: { save: 'Сохранить', cancel: 'Отмена', close: 'Закрыть', add: 'Добавить', retry: 'Повторить', back: 'Назад', search: 'Поиск', more: 'Показать ещё', none: '—', loadFailed: 'Не удалось загрузить страницу' },
  weekday: { 1: 'Пн', 2: 'Вт', 3: 'Ср', 4: 'Чт', 5: 'Пт', 6: 'Сб', 7: 'Вс' },
  status: { planned: 'Запланирован', done: 'Проведён', canceled: 'Отменён', active: 'Учится', trial: 'Пробный', paused: 'Пауза', left: 'Ушёл', expired: 'Истёк', archived: 'В архиве', open: 'Не оплачен', paid: 'Оплачен' },
  schedule: {
    title: 'Расписание', today: 'Эта неделя', prev: 'Предыдущая неделя', next: 'Следующая неделя', teacher: 'Преподаватель', room: 'Аудитория', allTeachers: 'Все преподаватели', allRooms: 'Все аудитории',
    empty: 'На этой неделе уроков нет', emptyHint: 'Создайте группу с расписанием и сгенерируйте её уроки.', marked: 'отмечено {n} из {total}', moved: 'перенесён', substitute: 'замена: {name}',
  },
  lesson: {
    title: 'Посещаемость', attended: 'Был', excused: 'Уважительная', unexcused: 'Прогул', allCame: 'Все пришли', save: 'Сохранить отметки', saved: 'Отметки сохранены', clear: 'Снять',
    noStudents: 'На уроке нет учеников', noPass: 'Нет абонемента', left: 'осталось {n}', leftUntil: 'осталось {n} · до {date}', future: 'Посещаемость отмечают в день урока.',
    canceled: 'Урок отменён.', readOnly: 'Вы можете смотреть этот лист, но не отмечать.', unsaved: 'не сохранено: {n}', charged: 'списано',
  },
  groups: {
    title: 'Группы', new: 'Новая группа', created: 'Группа создана', search: 'Название группы', empty: 'Групп пока нет', emptyHint: 'У группы есть преподаватель, аудитория и расписание на неделю.',
    noMatches: 'Группы не найдены', name: 'Название', branch: 'Филиал', subject: 'Предмет', teacher: 'Преподаватель', room: 'Аудитория', capacity: 'Мест', seats: '{n} из {total} мест',
    slots: 'Расписание на неделю', slot: 'День и время', weekday: 'День', start: 'Начало', minutes: 'Минут', addSlot: 'Добавить день', noSlots: 'Расписания пока нет',
    setupFirst: 'Сначала добавьте филиал, предмет и преподавателя в настройках школы.',
  },
  group: {
    members: 'Ученики', addMember: 'Добавить ученика', pickStudent: 'Найдите ученика', enrolled: '{name} добавлен(а) в группу', leave: 'Убрать из группы', leaveConfirm: 'Убрать {name} из группы с сегодняшнего дня?',
    noMembers: 'В группе пока нет учеников', generate: 'Сгенерировать уроки', from: 'С', to: 'По', generated: 'Создано уроков: {created}, уже было: {existing}',
    holidays: 'пришлось на праздники: {n}', conflicts: 'не удалось поставить (занят преподаватель или аудитория): {n}', lessons: 'Уроки', lessonsLeft: 'осталось на абонементах: {n}',
  },
  students: {
    title: 'Ученики', new: 'Новый ученик', created: 'Ученик добавлен', search: 'Имя или телефон', empty: 'Учеников пока нет', emptyHint: 'Добавьте учеников вручную или импортируйте из Excel или AlfaCRM.',
    noMatches: 'Ученики не найдены', debtors: 'Должники', name: 'ФИО', phone: 'Телефон', birthDate: 'Дата рождения', parent: 'Родитель', parentName: 'Имя родителя', parentPhone: 'Телефон родителя',
    balance: 'Баланс', lessonsLeft: 'Осталось уроков',
  },
  student: {
    contacts: 'Контакты', groups: 'Группы', passes: 'Абонементы', payments: 'Платежи', noPasses: 'Абонементов нет', noPayments: 'Платежей пока нет', debt: 'Долг {amount}', onAccount: 'На счёте {amount}',
    overdue: 'из них просрочено {amount}', sellPass: 'Продать абонемент', tariff: 'Тариф', payNow: 'Оплачено сейчас', method: 'Способ', amount: 'Сумма', pay: 'Принять оплату', paid: 'Оплата принята',
    sold: 'Абонемент продан', passLine: 'использовано {used} из {total} · {from} – {until}', freeze: 'Заморозить', freezeFrom: 'С', freezeTo: 'По', frozen: 'Абонемент заморожен: он действует на {n} дн. дольше',
    noTariffs: 'Тарифов-абонементов пока нет: добавьте их в настройках школы.', relation: { mother: 'Мама', father: 'Папа', self: 'Сам(а)', other: 'Другое', guardian: 'Опекун' },
  },
  money: {
    title: 'Финансы', payments: 'Платежи', debtors: 'Должники', noPayments: 'Платежей пока нет', noDebtors: 'Должников нет', student: 'Ученик', paidAt: 'Оплачено', amount: 'Сумма', method: 'Способ', balance: 'Баланс',
  },
  method: { cash: 'Наличные', card: 'Карта', transfer: 'Перевод', online: 'Онлайн' },
};

const uk: typeof en = {
  leads: { new: 'Новий лід', hint: 'Перетягніть картку в іншу колонку, щоб змінити статус', why: 'Чому лід втрачено?', status: { new: 'Новий', contacted: 'Звʼязалися', trial_booked: 'Записаний на пробний', trial_done: 'Був на пробному', enrolled: 'Записаний до групи', rejected: 'Відмова' }, reason: { label: 'Причина', price: 'Ціна', schedule: 'Розклад', location: 'Розташування', no_answer: 'Не відповідає', chose_other: 'Обрав інший центр' } },
  move: { title: 'Перенесення уроку', conflicts: 'У цей час зайняті:', free: 'У цей час усі вільні: урок можна перенести.', confirm: 'Перенести', done: 'Урок перенесено', teacher: 'Викладач', room: 'Аудиторія', group: 'Група', hint: 'Перетягніть урок на інший день, щоб перенести його' },
  reports: { attendance: 'Відвідуваність', finance: 'Фінанси', payroll: 'Зарплата', debts: 'Борги', leads: 'Ліди', lastMonth: 'Останні 30 днів', empty: 'За цей період нічого немає' },
  dashboard: { noLessons: 'Сьогодні уроків немає', attendance: 'Відвідуваність за тиждень', paidToday: 'Отримано сьогодні', paidMonth: 'Отримано за місяць', debts: 'Борги учнів: {n}', conversion: 'Конверсія лідів (за місяць: {n})' },
  tabs: { schedule: 'Розклад', groups: 'Групи', students: 'Учні', money: 'Фінанси', reports: 'Звіти', leads: 'Ліди' },
  common: { save: 'Зберегти', cancel: 'Скасувати', close: 'Закрити', add: 'Додати', retry: 'Повторити', back: 'Назад', search: 'Пошук', more: 'Показати ще', none: '—', loadFailed: 'Не вдалося завантажити сторінку' },
  weekday: { 1: 'Пн', 2: 'Вт', 3: 'Ср', 4: 'Чт', 5: 'Пт', 6: 'Сб', 7: 'Нд' },
  status: { planned: 'Заплановано', done: 'Проведено', canceled: 'Скасовано', active: 'Навчається', trial: 'Пробний', paused: 'Пауза', left: 'Пішов', expired: 'Закінчився', archived: 'В архіві', open: 'Не сплачено', paid: 'Сплачено' },
  schedule: {
    title: 'Розклад', today: 'Цей тиждень', prev: 'Попередній тиждень', next: 'Наступний тиждень', teacher: 'Викладач', room: 'Аудиторія', allTeachers: 'Усі викладачі', allRooms: 'Усі аудиторії',
    empty: 'Цього тижня уроків немає', emptyHint: 'Створіть групу з розкладом і згенеруйте її уроки.', marked: 'відмічено {n} з {total}', moved: 'перенесено', substitute: 'заміна: {name}',
  },
  lesson: {
    title: 'Відвідуваність', attended: 'Був', excused: 'Поважна', unexcused: 'Прогул', allCame: 'Усі прийшли', save: 'Зберегти відмітки', saved: 'Відмітки збережено', clear: 'Зняти',
    noStudents: 'На уроці немає учнів', noPass: 'Немає абонемента', left: 'залишилось {n}', leftUntil: 'залишилось {n} · до {date}', future: 'Відвідуваність відмічають у день уроку.',
    canceled: 'Урок скасовано.', readOnly: 'Ви можете переглядати цей лист, але не відмічати.', unsaved: 'не збережено: {n}', charged: 'списано',
  },
  groups: {
    title: 'Групи', new: 'Нова група', created: 'Групу створено', search: 'Назва групи', empty: 'Груп поки немає', emptyHint: 'Група має викладача, аудиторію і розклад на тиждень.',
    noMatches: 'Групи не знайдено', name: 'Назва', branch: 'Філія', subject: 'Предмет', teacher: 'Викладач', room: 'Аудиторія', capacity: 'Місць', seats: '{n} з {total} місць',
    slots: 'Розклад на тиждень', slot: 'День і час', weekday: 'День', start: 'Початок', minutes: 'Хвилин', addSlot: 'Додати день', noSlots: 'Розкладу поки немає',
    setupFirst: 'Спочатку додайте філію, предмет і викладача в налаштуваннях школи.',
  },
  group: {
    members: 'Учні', addMember: 'Додати учня', pickStudent: 'Знайдіть учня', enrolled: '{name} додано до групи', leave: 'Прибрати з групи', leaveConfirm: 'Прибрати {name} з групи від сьогодні?',
    noMembers: 'У групі поки немає учнів', generate: 'Згенерувати уроки', from: 'З', to: 'По', generated: 'Створено уроків: {created}, вже було: {existing}',
    holidays: 'припало на свята: {n}', conflicts: 'не вдалося поставити (зайнятий викладач або аудиторія): {n}', lessons: 'Уроки', lessonsLeft: 'залишилось на абонементах: {n}',
  },
  students: {
    title: 'Учні', new: 'Новий учень', created: 'Учня додано', search: "Ім'я або телефон", empty: 'Учнів поки немає', emptyHint: 'Додайте учнів вручну або імпортуйте з Excel чи AlfaCRM.',
    noMatches: 'Учнів не знайдено', debtors: 'Боржники', name: "Прізвище та ім'я", phone: 'Телефон', birthDate: 'Дата народження', parent: 'Батьки', parentName: "Ім'я батьків", parentPhone: 'Телефон батьків',
    balance: 'Баланс', lessonsLeft: 'Залишилось уроків',
  },
  student: {
    contacts: 'Контакти', groups: 'Групи', passes: 'Абонементи', payments: 'Платежі', noPasses: 'Абонементів немає', noPayments: 'Платежів поки немає', debt: 'Борг {amount}', onAccount: 'На рахунку {amount}',
    overdue: 'з них прострочено {amount}', sellPass: 'Продати абонемент', tariff: 'Тариф', payNow: 'Сплачено зараз', method: 'Спосіб', amount: 'Сума', pay: 'Прийняти оплату', paid: 'Оплату прийнято',
    sold: 'Абонемент продано', passLine: 'використано {used} з {total} · {from} – {until}', freeze: 'Заморозити', freezeFrom: 'З', freezeTo: 'По', frozen: 'Абонемент заморожено: він діє на {n} дн. довше',
    noTariffs: 'Тарифів-абонементів поки немає: додайте їх у налаштуваннях школи.', relation: { mother: 'Мама', father: 'Тато', self: 'Сам(а)', other: 'Інше', guardian: 'Опікун' },
  },
  money: {
    title: 'Фінанси', payments: 'Платежі', debtors: 'Боржники', noPayments: 'Платежів поки немає', noDebtors: 'Боржників немає', student: 'Учень', paidAt: 'Сплачено', amount: 'Сума', method: 'Спосіб', balance: 'Баланс',
  },
  method: { cash: 'Готівка', card: 'Картка', transfer: 'Переказ', online: 'Онлайн' },
};

const kk: typeof en = {
  leads: { new: 'Жаңа лид', hint: 'Мәртебесін өзгерту үшін карточканы басқа бағанға сүйреңіз', why: 'Лид неге жоғалды?', status: { new: 'Жаңа', contacted: 'Байланыстық', trial_booked: 'Сынаққа жазылды', trial_done: 'Сынақта болды', enrolled: 'Топқа жазылды', rejected: 'Бас тартты' }, reason: { label: 'Себебі', price: 'Бағасы', schedule: 'Кесте', location: 'Орналасуы', no_answer: 'Жауап бермейді', chose_other: 'Басқа орталықты таңдады' } },
  move: { title: 'Сабақты ауыстыру', conflicts: 'Бұл уақытта бос емес:', free: 'Бұл уақытта бәрі бос: сабақты ауыстыруға болады.', confirm: 'Ауыстыру', done: 'Сабақ ауыстырылды', teacher: 'Оқытушы', room: 'Аудитория', group: 'Топ', hint: 'Ауыстыру үшін сабақты басқа күнге сүйреңіз' },
  reports: { attendance: 'Қатысу', finance: 'Қаржы', payroll: 'Жалақы', debts: 'Қарыздар', leads: 'Лидтер', lastMonth: 'Соңғы 30 күн', empty: 'Бұл кезеңде ештеңе жоқ' },
  dashboard: { noLessons: 'Бүгін сабақ жоқ', attendance: 'Аптадағы қатысу', paidToday: 'Бүгін түсті', paidMonth: 'Осы айда түсті', debts: 'Оқушылар қарызы: {n}', conversion: 'Лид конверсиясы (айына: {n})' },
  tabs: { schedule: 'Кесте', groups: 'Топтар', students: 'Оқушылар', money: 'Қаржы', reports: 'Есептер', leads: 'Лидтер' },
  common: { save: 'Сақтау', cancel: 'Болдырмау', close: 'Жабу', add: 'Қосу', retry: 'Қайталау', back: 'Артқа', search: 'Іздеу', more: 'Тағы көрсету', none: '—', loadFailed: 'Бетті жүктеу мүмкін болмады' },
  weekday: { 1: 'Дс', 2: 'Сс', 3: 'Ср', 4: 'Бс', 5: 'Жм', 6: 'Сн', 7: 'Жс' },
  status: { planned: 'Жоспарланған', done: 'Өткізілді', canceled: 'Болдырылмады', active: 'Оқиды', trial: 'Сынақ', paused: 'Үзіліс', left: 'Кетті', expired: 'Мерзімі өтті', archived: 'Мұрағатта', open: 'Төленбеген', paid: 'Төленген' },
  schedule: {
    title: 'Кесте', today: 'Осы апта', prev: 'Алдыңғы апта', next: 'Келесі апта', teacher: 'Оқытушы', room: 'Аудитория', allTeachers: 'Барлық оқытушылар', allRooms: 'Барлық аудиториялар',
    empty: 'Бұл аптада сабақ жоқ', emptyHint: 'Апталық кестесі бар топ құрып, оның сабақтарын жасаңыз.', marked: '{total} ішінен {n} белгіленді', moved: 'ауыстырылды', substitute: 'алмастырушы: {name}',
  },
  lesson: {
    title: 'Қатысу', attended: 'Келді', excused: 'Себепті', unexcused: 'Себепсіз', allCame: 'Бәрі келді', save: 'Белгілерді сақтау', saved: 'Белгілер сақталды', clear: 'Алып тастау',
    noStudents: 'Сабақта оқушы жоқ', noPass: 'Абонемент жоқ', left: '{n} қалды', leftUntil: '{n} қалды · {date} дейін', future: 'Қатысу сабақ күні белгіленеді.',
    canceled: 'Сабақ болдырылмады.', readOnly: 'Бұл парақты көре аласыз, бірақ белгілей алмайсыз.', unsaved: 'сақталмаған: {n}', charged: 'есептен шығарылды',
  },
  groups: {
    title: 'Топтар', new: 'Жаңа топ', created: 'Топ құрылды', search: 'Топ атауы', empty: 'Әзірге топ жоқ', emptyHint: 'Топтың оқытушысы, аудиториясы және апталық кестесі болады.',
    noMatches: 'Топтар табылмады', name: 'Атауы', branch: 'Филиал', subject: 'Пән', teacher: 'Оқытушы', room: 'Аудитория', capacity: 'Орын', seats: '{total} орынның {n}',
    slots: 'Апталық кесте', slot: 'Күн мен уақыт', weekday: 'Күн', start: 'Басталуы', minutes: 'Минут', addSlot: 'Күн қосу', noSlots: 'Әзірге кесте жоқ',
    setupFirst: 'Алдымен мектеп баптауларында филиал, пән және оқытушы қосыңыз.',
  },
  group: {
    members: 'Оқушылар', addMember: 'Оқушы қосу', pickStudent: 'Оқушыны табыңыз', enrolled: '{name} топқа қосылды', leave: 'Топтан шығару', leaveConfirm: '{name} бүгіннен бастап топтан шығарылсын ба?',
    noMembers: 'Топта әзірге оқушы жоқ', generate: 'Сабақтарды жасау', from: 'Бастап', to: 'Дейін', generated: 'Жасалған сабақтар: {created}, бұрыннан бар: {existing}',
    holidays: 'мерекеге түсті: {n}', conflicts: 'қою мүмкін болмады (оқытушы не аудитория бос емес): {n}', lessons: 'Сабақтар', lessonsLeft: 'абонементтерде қалды: {n}',
  },
  students: {
    title: 'Оқушылар', new: 'Жаңа оқушы', created: 'Оқушы қосылды', search: 'Аты немесе телефоны', empty: 'Әзірге оқушы жоқ', emptyHint: 'Оқушыларды қолмен қосыңыз немесе Excel не AlfaCRM-нан импорттаңыз.',
    noMatches: 'Оқушылар табылмады', debtors: 'Қарыздарлар', name: 'Аты-жөні', phone: 'Телефон', birthDate: 'Туған күні', parent: 'Ата-ана', parentName: 'Ата-ананың аты', parentPhone: 'Ата-ананың телефоны',
    balance: 'Теңгерім', lessonsLeft: 'Қалған сабақтар',
  },
  student: {
    contacts: 'Байланыстар', groups: 'Топтар', passes: 'Абонементтер', payments: 'Төлемдер', noPasses: 'Абонемент жоқ', noPayments: 'Әзірге төлем жоқ', debt: 'Қарыз {amount}', onAccount: 'Шотта {amount}',
    overdue: 'оның ішінде мерзімі өткені {amount}', sellPass: 'Абонемент сату', tariff: 'Тариф', payNow: 'Қазір төленді', method: 'Тәсілі', amount: 'Сомасы', pay: 'Төлем қабылдау', paid: 'Төлем қабылданды',
    sold: 'Абонемент сатылды', passLine: '{total} ішінен {used} пайдаланылды · {from} – {until}', freeze: 'Тоқтату', freezeFrom: 'Бастап', freezeTo: 'Дейін', frozen: 'Абонемент тоқтатылды: ол {n} күнге ұзағырақ жарамды',
    noTariffs: 'Әзірге абонемент тарифтері жоқ: оларды мектеп баптауларында қосыңыз.', relation: { mother: 'Анасы', father: 'Әкесі', self: 'Өзі', other: 'Басқа', guardian: 'Қамқоршы' },
  },
  money: {
    title: 'Қаржы', payments: 'Төлемдер', debtors: 'Қарыздарлар', noPayments: 'Әзірге төлем жоқ', noDebtors: 'Ешкім қарыз емес', student: 'Оқушы', paidAt: 'Төленді', amount: 'Сомасы', method: 'Тәсілі', balance: 'Теңгерім',
  },
  method: { cash: 'Қолма-қол', card: 'Карта', transfer: 'Аударым', online: 'Онлайн' },
};

export default { en, ru, uk, kk };
