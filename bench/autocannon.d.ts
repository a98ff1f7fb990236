// autocannon ships no types; the benches use its programmatic options as plain JSON
declare module 'autocannon';
