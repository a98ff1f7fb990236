/** Fakes of the outside services this plugin talks to, for tests (its own and yours). */
export { FakeAlfaCrm, type AlfaModel, type AlfaRecord } from './fake-alfacrm.ts';
export { seedSampleCentre, type SampleCentre } from './alfacrm-sample.ts';
