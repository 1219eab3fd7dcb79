/** `koa2` is Koa 2 installed under another name (`npm:koa@2`), to run the suites on both majors; typed as Koa. */
declare module 'koa2' {
  import Koa from 'koa';
  export default Koa;
}
