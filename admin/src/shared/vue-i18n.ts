export * from 'vue-i18n';
