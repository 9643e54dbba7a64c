// The part of moment.js / moment-timezone that Digdag workflows use in ${...} expressions.
// Digdag bundles moment.js (digdag-core/src/main/resources/digdag/agent/moment.min.js) and its
// server JVM runs in UTC, so a moment without .tz()/.utcOffset() displays in UTC.
// Docs reproduced: https://momentjs.com/docs/ (parse, add/subtract, startOf/endOf, format, tz).
(function (global) {
  "use strict";
  var UNITS = {
    y: "year", year: "year", years: "year",
    Q: "quarter", quarter: "quarter", quarters: "quarter",
    M: "month", month: "month", months: "month",
    w: "week", week: "week", weeks: "week",
    d: "day", day: "day", days: "day",
    h: "hour", hour: "hour", hours: "hour",
    m: "minute", minute: "minute", minutes: "minute",
    s: "second", second: "second", seconds: "second",
    ms: "millisecond", millisecond: "millisecond", milliseconds: "millisecond"
  };
  var FIXED_MS = { week: 604800000, day: 86400000, hour: 3600000, minute: 60000, second: 1000, millisecond: 1 };
  var MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
    "September", "October", "November", "December"];
  var DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
  var formatters = {};

  function unitOf(name) {
    var unit = UNITS[name] || UNITS[String(name).toLowerCase()];
    if (!unit) { throw new Error("moment: unknown unit '" + name + "'"); }
    return unit;
  }
  function pad(n, width) {
    var s = String(Math.abs(n));
    while (s.length < width) { s = "0" + s; }
    return (n < 0 ? "-" : "") + s;
  }
  // Offset in minutes east of UTC of an IANA zone at instant ms, from Intl (the ICU tz database).
  function zoneOffset(zone, ms) {
    if (!formatters[zone]) {
      formatters[zone] = new Intl.DateTimeFormat("en-US", {
        timeZone: zone, hourCycle: "h23", year: "numeric", month: "numeric", day: "numeric",
        hour: "numeric", minute: "numeric", second: "numeric"
      });
    }
    var parts = {};
    formatters[zone].formatToParts(new Date(ms)).forEach(function (p) { parts[p.type] = p.value; });
    var asUtc = Date.UTC(+parts.year, +parts.month - 1, +parts.day, +parts.hour % 24, +parts.minute, +parts.second);
    return Math.round((asUtc - (ms - ms % 1000)) / 60000);
  }
  // Instant of local wall-clock fields in a zone (two passes settle DST edges as moment does).
  function fromLocal(fields, zone, fixedOffset) {
    var wall = Date.UTC(fields[0], fields[1], fields[2], fields[3], fields[4], fields[5], fields[6]);
    if (zone === null) { return wall - fixedOffset * 60000; }
    var guess = wall - zoneOffset(zone, wall) * 60000;
    return wall - zoneOffset(zone, guess) * 60000;
  }

  function Moment(ms, zone, offset) {
    if (isNaN(ms)) { throw new Error("moment: invalid date"); }
    this._ms = ms;
    this._zone = zone;        // IANA zone name, or null for a fixed offset
    this._offset = offset;    // minutes east of UTC when _zone is null
  }
  Moment.prototype.utcOffset = function (value) {
    if (value === undefined) { return this._zone === null ? this._offset : zoneOffset(this._zone, this._ms); }
    var minutes = typeof value === "string" ? parseOffset(value) : (Math.abs(value) <= 16 ? value * 60 : value);
    return new Moment(this._ms, null, minutes);
  };
  Moment.prototype._fields = function () {
    var d = new Date(this._ms + this.utcOffset() * 60000);
    return [d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(),
      d.getUTCSeconds(), d.getUTCMilliseconds(), d.getUTCDay()];
  };
  Moment.prototype._withFields = function (f) {
    return new Moment(fromLocal(f, this._zone, this._offset), this._zone, this._offset);
  };
  Moment.prototype.clone = function () { return new Moment(this._ms, this._zone, this._offset); };
  Moment.prototype.utc = function () { return new Moment(this._ms, null, 0); };
  Moment.prototype.local = function () { return new Moment(this._ms, null, 0); };
  Moment.prototype.tz = function (zone) {
    if (zone === undefined) { return this._zone === null ? undefined : this._zone; }
    zoneOffset(zone, this._ms);
    return new Moment(this._ms, zone, 0);
  };
  Moment.prototype.add = function (amount, unit) {
    if (typeof amount === "object") {
      var m = this;
      Object.keys(amount).forEach(function (k) { m = m.add(amount[k], k); });
      return m;
    }
    if (typeof amount === "string" && typeof unit === "number") { var t = amount; amount = unit; unit = t; }
    amount = Number(amount);
    unit = unitOf(unit === undefined ? "ms" : unit);
    var f = this._fields();
    if (unit === "year" || unit === "quarter" || unit === "month") {
      var months = amount * (unit === "year" ? 12 : unit === "quarter" ? 3 : 1);
      var total = f[0] * 12 + f[1] + months;
      var year = Math.floor(total / 12), month = total - year * 12;
      var last = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
      return this._withFields([year, month, Math.min(f[2], last), f[3], f[4], f[5], f[6]]);
    }
    if (unit === "day" || unit === "week") {
      var days = amount * (unit === "week" ? 7 : 1);
      return this._withFields([f[0], f[1], f[2] + days, f[3], f[4], f[5], f[6]]);
    }
    return new Moment(this._ms + amount * FIXED_MS[unit], this._zone, this._offset);
  };
  Moment.prototype.subtract = function (amount, unit) {
    if (typeof amount === "object") {
      var negated = {};
      Object.keys(amount).forEach(function (k) { negated[k] = -amount[k]; });
      return this.add(negated);
    }
    if (typeof amount === "string" && typeof unit === "number") { return this.add(-unit, amount); }
    return this.add(-Number(amount), unit);
  };
  Moment.prototype.startOf = function (unit) {
    unit = unitOf(unit);
    var f = this._fields();
    var order = ["year", "month", "day", "hour", "minute", "second", "millisecond"];
    if (unit === "week") { return this._withFields([f[0], f[1], f[2] - f[7], 0, 0, 0, 0]); }
    if (unit === "quarter") { return this._withFields([f[0], f[1] - f[1] % 3, 1, 0, 0, 0, 0]); }
    var keep = order.indexOf(unit) + 1;
    var base = [f[0], 0, 1, 0, 0, 0, 0];
    for (var i = 0; i < keep; i++) { base[i] = f[i]; }
    return this._withFields(base);
  };
  Moment.prototype.endOf = function (unit) {
    return this.startOf(unit).add(1, unit).subtract(1, "ms");
  };
  Moment.prototype.valueOf = function () { return this._ms; };
  Moment.prototype.unix = function () { return Math.floor(this._ms / 1000); };
  Moment.prototype.toDate = function () { return new Date(this._ms); };
  Moment.prototype.toISOString = function () { return new Date(this._ms).toISOString(); };
  Moment.prototype.toString = function () { return this.format("ddd MMM DD YYYY HH:mm:ss [GMT]ZZ"); };
  Moment.prototype.toJSON = function () { return this.toISOString(); };
  Moment.prototype.year = function () { return this._fields()[0]; };
  Moment.prototype.month = function () { return this._fields()[1]; };
  Moment.prototype.date = function () { return this._fields()[2]; };
  Moment.prototype.day = function () { return this._fields()[7]; };
  Moment.prototype.hour = function () { return this._fields()[3]; };
  Moment.prototype.minute = function () { return this._fields()[4]; };
  Moment.prototype.second = function () { return this._fields()[5]; };
  Moment.prototype.isValid = function () { return true; };
  Moment.prototype.diff = function (other, unit, precise) {
    other = moment(other);
    var u = unitOf(unit === undefined ? "ms" : unit), value;
    if (u === "year" || u === "quarter" || u === "month") {
      var a = this._fields(), b = other._fields();
      value = (a[0] - b[0]) * 12 + (a[1] - b[1]);
      value = u === "year" ? value / 12 : u === "quarter" ? value / 3 : value;
    } else {
      value = (this._ms - other._ms) / FIXED_MS[u];
    }
    return precise ? value : (value < 0 ? Math.ceil(value) : Math.floor(value));
  };
  Moment.prototype.isBefore = function (other) { return this._ms < moment(other)._ms; };
  Moment.prototype.isAfter = function (other) { return this._ms > moment(other)._ms; };
  Moment.prototype.isSame = function (other, unit) {
    return unit ? this.startOf(unit)._ms === moment(other).utcOffset(this.utcOffset()).startOf(unit)._ms
      : this._ms === moment(other)._ms;
  };
  Moment.prototype.format = function (pattern) {
    if (pattern === undefined) { pattern = "YYYY-MM-DDTHH:mm:ssZ"; }
    var f = this._fields(), offset = this.utcOffset(), self = this;
    var sign = offset < 0 ? "-" : "+", abs = Math.abs(offset);
    var tokens = {
      YYYY: function () { return pad(f[0], 4); }, YY: function () { return pad(f[0] % 100, 2); },
      Q: function () { return String(Math.floor(f[1] / 3) + 1); },
      MMMM: function () { return MONTHS[f[1]]; }, MMM: function () { return MONTHS[f[1]].slice(0, 3); },
      MM: function () { return pad(f[1] + 1, 2); }, M: function () { return String(f[1] + 1); },
      DDDD: function () { return pad(dayOfYear(f), 3); }, DDD: function () { return String(dayOfYear(f)); },
      DD: function () { return pad(f[2], 2); }, D: function () { return String(f[2]); },
      Do: function () { return ordinal(f[2]); },
      dddd: function () { return DAYS[f[7]]; }, ddd: function () { return DAYS[f[7]].slice(0, 3); },
      d: function () { return String(f[7]); }, E: function () { return String(f[7] || 7); },
      HH: function () { return pad(f[3], 2); }, H: function () { return String(f[3]); },
      hh: function () { return pad(f[3] % 12 || 12, 2); }, h: function () { return String(f[3] % 12 || 12); },
      A: function () { return f[3] < 12 ? "AM" : "PM"; }, a: function () { return f[3] < 12 ? "am" : "pm"; },
      mm: function () { return pad(f[4], 2); }, m: function () { return String(f[4]); },
      ss: function () { return pad(f[5], 2); }, s: function () { return String(f[5]); },
      SSS: function () { return pad(f[6], 3); },
      ZZ: function () { return sign + pad(Math.floor(abs / 60), 2) + pad(abs % 60, 2); },
      Z: function () { return sign + pad(Math.floor(abs / 60), 2) + ":" + pad(abs % 60, 2); },
      X: function () { return String(self.unix()); }, x: function () { return String(self._ms); }
    };
    var re = /\[([^\]]*)\]|YYYY|YY|Q|MMMM|MMM|MM|M|DDDD|DDD|DD|Do|D|dddd|ddd|d|E|HH|H|hh|h|A|a|mm|m|ss|s|SSS|ZZ|Z|X|x/g;
    return pattern.replace(re, function (match, literal) {
      return literal !== undefined ? literal : tokens[match]();
    });
  };
  function dayOfYear(f) { return Math.round((Date.UTC(f[0], f[1], f[2]) - Date.UTC(f[0], 0, 1)) / 86400000) + 1; }
  function ordinal(n) {
    var s = ["th", "st", "nd", "rd"], v = n % 100;
    return n + (s[(v - 20) % 10] || s[v] || s[0]);
  }
  function parseOffset(text) {
    if (text === "Z" || text === "z") { return 0; }
    var m = /^([+-])(\d\d):?(\d\d)$/.exec(text);
    if (!m) { throw new Error("moment: invalid offset '" + text + "'"); }
    return (m[1] === "-" ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
  }
  var ISO = /^(\d{4})-?(\d\d)?-?(\d\d)?(?:[T ](\d\d):?(\d\d)?:?(\d\d)?(?:[.,](\d+))?)?\s*(Z|z|[+-]\d\d:?\d\d)?$/;
  var COMPACT = /^(\d{4})(\d\d)(\d\d)$/;
  // Parse ISO-8601 text; without an offset it is wall-clock time in `zone` (UTC by default).
  function parse(text, zone) {
    var m = COMPACT.exec(text) || ISO.exec(String(text).trim());
    if (!m) { throw new Error("moment: cannot parse '" + text + "' (expected ISO-8601, e.g. 2024-01-31T00:00:00+09:00)"); }
    var fields = [Number(m[1]), Number(m[2] || 1) - 1, Number(m[3] || 1), Number(m[4] || 0),
      Number(m[5] || 0), Number(m[6] || 0), m[7] ? Number((m[7] + "00").slice(0, 3)) : 0];
    if (m[8]) { return new Moment(fromLocal(fields, null, parseOffset(m[8])), null, 0); }
    if (zone) { return new Moment(fromLocal(fields, zone, 0), zone, 0); }
    return new Moment(fromLocal(fields, null, 0), null, 0);
  }
  function moment(input) {
    if (input instanceof Moment) { return input.clone(); }
    if (input === undefined || input === null) { return new Moment(Date.now(), null, 0); }
    if (input instanceof Date) { return new Moment(input.getTime(), null, 0); }
    if (typeof input === "number") { return new Moment(input, null, 0); }
    return parse(String(input), null);
  }
  moment.utc = function (input) { return moment(input).utc(); };
  moment.unix = function (seconds) { return new Moment(Number(seconds) * 1000, null, 0); };
  moment.tz = function (input, zone) {
    if (zone === undefined) { return moment().tz(input); }
    if (typeof input === "string" && !/(Z|[+-]\d\d:?\d\d)$/.test(input.trim())) { return parse(input, zone); }
    return moment(input).tz(zone);
  };
  moment.parseZone = function (input) {
    var m = moment(input), match = /(Z|[+-]\d\d:?\d\d)$/.exec(String(input).trim());
    return match ? m.utcOffset(match[1]) : m;
  };
  moment.isMoment = function (value) { return value instanceof Moment; };
  global.moment = moment;
})(this);
