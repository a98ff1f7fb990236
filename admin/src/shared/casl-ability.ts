export * from '@casl/ability';
