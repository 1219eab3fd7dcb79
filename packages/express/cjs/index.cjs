'use strict';
// CommonJS entry: `require('@vessel/express')` is the session function itself, with Store,
// MemoryStore, Cookie, Session and VesselStore as properties, as `require('express-session')` is.
// Node >= 20.19 loads the ES module synchronously (require(esm)).
module.exports = require('../dist/index.js').default;
