export * from '@casl/vue';
