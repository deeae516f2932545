// nodejs-avro-phonetic 1.0.2 ships no types. parse() reads its rules through
// `this`: call it as avro.parse(...), never detached.
declare module 'nodejs-avro-phonetic' {
  const avro: { parse(input: string): string };
  export default avro;
}
