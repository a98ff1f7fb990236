// Facade entries: plugin bundles import 'vue' etc., the import map points those names here.
export * from 'vue';
