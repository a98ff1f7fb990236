import { defineUiPlugin } from '@atrium/sdk/ui';
import SchoolSummaryWidget from './components/SchoolSummaryWidget.vue';
import TodayLessonsWidget from './components/TodayLessonsWidget.vue';
import messages from './messages.ts';
import GroupPage from './pages/GroupPage.vue';
import GroupsPage from './pages/GroupsPage.vue';
import LeadsPage from './pages/LeadsPage.vue';
import LessonPage from './pages/LessonPage.vue';
import MoneyPage from './pages/MoneyPage.vue';
import ReportsPage from './pages/ReportsPage.vue';
import SchedulePage from './pages/SchedulePage.vue';
import StudentPage from './pages/StudentPage.vue';
import StudentsPage from './pages/StudentsPage.vue';

// The school admin: the week's schedule, a lesson's attendance sheet (made for the phone), groups
// with lesson generation, students with passes and payments, the money, and two dashboard widgets. atrium.plugin.json
// names the components below; `meta.can` sends people without the permission back to the
// dashboard (the API refuses them too, row rules included).
export default defineUiPlugin({
  routes: [
    { path: '', name: 'schedule', component: SchedulePage, meta: { can: ['read', 'school.Lesson'] } },
    { path: 'lessons/:id', name: 'lesson', component: LessonPage, meta: { can: ['read', 'school.Lesson'] } },
    { path: 'groups', name: 'groups', component: GroupsPage, meta: { can: ['read', 'school.Group'] } },
    { path: 'groups/:id', name: 'group', component: GroupPage, meta: { can: ['read', 'school.Group'] } },
    { path: 'students', name: 'students', component: StudentsPage, meta: { can: ['read', 'school.Student'] } },
    { path: 'students/:id', name: 'student', component: StudentPage, meta: { can: ['read', 'school.Student'] } },
    { path: 'money', name: 'money', component: MoneyPage, meta: { can: ['read', 'school.Payment'] } },
    { path: 'reports', name: 'reports', component: ReportsPage },
    { path: 'leads', name: 'leads', component: LeadsPage, meta: { can: ['read', 'school.Lead'] } },
  ],
  components: { SchedulePage, LessonPage, GroupsPage, GroupPage, StudentsPage, StudentPage, MoneyPage, ReportsPage, LeadsPage, TodayLessonsWidget, SchoolSummaryWidget },
  messages,
});
