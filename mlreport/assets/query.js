/* mlreport: the query language in the browser, for the filter boxes and compare/?q=.
 *
 * A hand-written lexer and recursive-descent parser for the grammar of mlreport/query.py (which
 * parses with Lark), with the same meaning: both pass tests/fixtures/query_cases.yaml, the Python
 * one in tests/test_query.py and this one in tests/browser/test_query.py. Records are read as the
 * fields Python writes to data/query.json (mlreport.query.record_fields), so no value is
 * interpreted twice. Errors name the column (1-based, in characters) and what was expected, in
 * the same words as Python's.
 */
(function () {
  "use strict";

  function table(entries) {
    var map = Object.create(null);
    Object.keys(entries).forEach(function (key) { map[key] = entries[key]; });
    return map;
  }

  // The names a query may use (mlreport/query.py: FIELDS, _ALIASES, _PREFIXES, _ATTRIBUTES).
  var FIELDS = ["id", "title", "status", "task", "dataset", "dataset.version", "dataset.split", "model", "date",
                "author", "tags", "baseline"];
  var ALIASES = table({"authors": "author", "run_name": "title", "run_id": "id", "dataset.name": "dataset"});
  var PREFIXES = table({"metrics": "metrics", "metric": "metrics", "params": "params", "param": "params",
                        "tags": "tag", "tag": "tag"});
  var ATTRIBUTES = ["attributes", "attribute", "attr", "run"];
  var MLFLOW_STATUSES = table({"finished": "completed", "killed": "abandoned", "scheduled": "planned"});
  var KEYWORDS = table({"or": "OR", "and": "AND", "not": "NOT", "like": "LIKE", "ilike": "ILIKE", "in": "IN",
                        "is": "IS", "null": "NULL", "contains": "CONTAINS", "asc": "DIRECTION",
                        "desc": "DIRECTION"});
  var NUMBER_TEXT = /^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$/;
  // Token patterns, tried at one position in this order (sticky).
  var PATTERNS = [
    ["WHITESPACE", /\s+/y],
    ["KEYWORD", /(or|and|not|like|ilike|in|is|null|contains|asc|desc)(?![\p{L}\p{N}_-])/iuy],
    ["WORD", /[A-Za-z_][A-Za-z0-9_\-]*/y],
    ["NUMBER", /[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?/y],
    ["STRING", /'(?:[^'\\]|\\[\s\S])*'|"(?:[^"\\]|\\[\s\S])*"/y],
    ["BACKTICK", /`[^`]*`/y],
    ["COMPARE", /!=|<=|>=|=|<|>/y],
    ["DOT", /\./y], ["LPAR", /\(/y], ["RPAR", /\)/y], ["COMMA", /,/y],
  ];

  function QueryError(text, index, message) {
    this.column = Array.from(text.slice(0, index)).length + 1;  // characters, as Python counts them
    this.message = message;
  }
  QueryError.prototype.toString = function () { return "query:1:" + this.column + ": " + this.message; };

  // Python's repr() of a string, which the Python messages quote names and tokens with.
  function pyRepr(text) {
    var quote = text.indexOf("'") >= 0 && text.indexOf('"') < 0 ? '"' : "'";
    var body = text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/\r/g, "\\r").replace(/\t/g, "\\t");
    if (quote === "'") body = body.replace(/'/g, "\\'");
    return quote + body + quote;
  }

  /* -- lexing, one token at a time (as Lark's lexer feeds its parser) ----------------------- */

  function Lexer(text) {
    this.text = text;
    this.index = 0;
    this.read = [];  // every token handed out, for the error messages
  }

  Lexer.prototype.next = function () {
    var text = this.text;
    for (;;) {
      if (this.index >= text.length) return {type: "$END", value: "", start: text.length, end: text.length};
      var found = null;
      for (var i = 0; i < PATTERNS.length && !found; i++) {
        var pattern = PATTERNS[i][1];
        pattern.lastIndex = this.index;
        var match = pattern.exec(text);
        if (match) found = {type: PATTERNS[i][0], value: match[0], start: this.index, end: this.index + match[0].length};
      }
      if (!found) throw new QueryError(text, this.index, lexicalProblem(text, this.index));
      this.index = found.end;
      if (found.type === "WHITESPACE") continue;
      if (found.type === "KEYWORD") found.type = KEYWORDS[found.value.toLowerCase()];
      return found;
    }
  };

  function lexicalProblem(text, index) {
    var char = String.fromCodePoint(text.codePointAt(index));
    if (char === "'" || char === '"') return "unterminated string";
    if (char === "`") return "unterminated name";
    return "unexpected character " + pyRepr(char);
  }

  /* -- parsing ------------------------------------------------------------------------------- */

  function Parser(text) {
    this.text = text;
    this.lexer = new Lexer(text);
    this.token = this.lexer.next();
  }

  Parser.prototype.at = function (type) { return this.token.type === type; };

  Parser.prototype.take = function (type) {
    if (!this.at(type)) this.fail();
    var token = this.token;
    this.lexer.read.push(token);
    this.token = this.lexer.next();
    return token;
  };

  Parser.prototype.fail = function () {
    throw new QueryError(this.text, this.token.start, expected(this.text, this.lexer.read));
  };

  Parser.prototype.disjunction = function () {
    var parts = [this.conjunction()];
    while (this.at("OR")) { this.take("OR"); parts.push(this.conjunction()); }
    return parts.length === 1 ? parts[0] : {type: "or", parts: parts};
  };

  Parser.prototype.conjunction = function () {
    var parts = [this.negation()];
    while (this.at("AND")) { this.take("AND"); parts.push(this.negation()); }
    return parts.length === 1 ? parts[0] : {type: "and", parts: parts};
  };

  Parser.prototype.negation = function () {
    if (this.at("NOT")) { this.take("NOT"); return {type: "not", part: this.negation()}; }
    if (this.at("LPAR")) {
      this.take("LPAR");
      var inner = this.disjunction();
      this.take("RPAR");
      return inner;
    }
    return this.comparison();
  };

  Parser.prototype.field = function () {
    var tokens = [this.take("WORD")];
    while (this.at("DOT")) {
      this.take("DOT");
      if (this.at("WORD") || this.at("BACKTICK") || this.at("STRING")) tokens.push(this.take(this.token.type));
      else this.fail();
    }
    return tokens;
  };

  Parser.prototype.value = function () {
    if (this.at("NUMBER")) return Number(this.take("NUMBER").value);
    return unquote(this.take("STRING"));
  };

  Parser.prototype.comparison = function () {
    var field = this.field();
    if (this.at("COMPARE")) return {type: "compare", field: field, op: this.take("COMPARE").value, values: [this.value()]};
    if (this.at("CONTAINS")) { this.take("CONTAINS"); return {type: "contains", field: field, values: [this.value()]}; }
    if (this.at("IS")) {
      this.take("IS");
      var notNull = this.at("NOT");
      if (notNull) this.take("NOT");
      this.take("NULL");
      return {type: "null", field: field, negated: notNull};
    }
    var negated = this.at("NOT");
    if (negated) this.take("NOT");
    if (this.at("LIKE") || this.at("ILIKE")) {
      var ignoreCase = this.take(this.token.type).type === "ILIKE";
      return {type: "like", field: field, negated: negated, ignoreCase: ignoreCase, pattern: unquote(this.take("STRING"))};
    }
    if (this.at("IN")) {
      this.take("IN");
      this.take("LPAR");
      var values = [this.value()];
      while (this.at("COMMA")) { this.take("COMMA"); values.push(this.value()); }
      this.take("RPAR");
      return {type: "in", field: field, negated: negated, values: values};
    }
    this.fail();
  };

  function unquote(token) {
    if (token.type === "BACKTICK") return token.value.slice(1, -1);
    if (token.type === "STRING") return token.value.slice(1, -1).replace(/\\([\s\S])/g, "$1");
    return token.value;
  }

  // What should have come next, from the tokens read so far: mlreport/query.py's `_expected`.
  function expected(text, before) {
    var previous = before.length ? before[before.length - 1] : null;
    var kind = previous ? previous.type : "";
    var earlier = before.length > 1 ? before[before.length - 2].type : "";
    var lists = openLists(before);
    var inList = lists.length > 0 && lists[lists.length - 1];
    if (kind === "" || kind === "AND" || kind === "OR" || (kind === "LPAR" && !inList) ||
        (kind === "NOT" && ["", "AND", "OR", "LPAR", "NOT"].indexOf(earlier) >= 0)) {
      return "expected a field name";
    }
    var said = previous ? pyRepr(previous.value) : "";
    if (["COMPARE", "CONTAINS", "COMMA", "LPAR"].indexOf(kind) >= 0) return "expected a value after " + said;
    if (kind === "LIKE" || kind === "ILIKE") return "expected a quoted pattern after " + said;
    if (kind === "IN") return "expected '(' after " + said;
    if (kind === "IS") return "expected NULL or NOT NULL after " + said;
    if (kind === "NOT") return (earlier === "IS" ? "expected NULL after " : "expected LIKE, ILIKE or IN after ") + said;
    if (kind === "DOT") return "expected a name after '.'";
    if (kind === "WORD" || kind === "BACKTICK" || (kind === "STRING" && earlier === "DOT")) {
      return "expected an operator after " + pyRepr(fieldText(text, before));
    }
    if (inList) return "expected ',' or ')'";
    return lists.length ? "expected 'and', 'or' or ')'" : "expected 'and', 'or' or the end";
  }

  function openLists(tokens) {
    var stack = [];
    tokens.forEach(function (token, index) {
      if (token.type === "LPAR") stack.push(index > 0 && tokens[index - 1].type === "IN");
      else if (token.type === "RPAR" && stack.length) stack.pop();
    });
    return stack;
  }

  function fieldText(text, tokens) {
    var first = tokens.length - 1;
    while (first >= 2 && tokens[first - 1].type === "DOT") first -= 2;
    return text.slice(tokens[first].start, tokens[tokens.length - 1].end);
  }

  /* -- names --------------------------------------------------------------------------------- */

  function resolve(text, tokens) {
    var parts = tokens.map(unquote);
    var written = tokens.map(function (token) { return token.value; }).join(".");
    var head = parts[0].toLowerCase();
    var rest = parts.slice(1).join(".");
    if (PREFIXES[head] && rest) return {kind: PREFIXES[head], name: rest};
    var name = ATTRIBUTES.indexOf(head) >= 0 && rest ? rest.toLowerCase() : parts.join(".").toLowerCase();
    name = ALIASES[name] || name;
    if (FIELDS.indexOf(name) >= 0) return {kind: "field", name: name};
    throw new QueryError(text, tokens[0].start, "unknown field " + pyRepr(written));
  }

  /* -- meaning ------------------------------------------------------------------------------- */

  function own(holder, name) {
    return holder && Object.prototype.hasOwnProperty.call(holder, name) ? holder[name] : undefined;
  }

  function valueOf(field, fields) {
    var value = own(field.kind === "field" ? fields : own(fields, field.kind), field.name);
    if (value === undefined || value === null || value === "" || (Array.isArray(value) && !value.length)) return null;
    return value;
  }

  function textOf(value) {
    if (typeof value === "string") return value;
    if (typeof value === "boolean") return value ? "true" : "false";
    return String(value);  // JavaScript's digits: Python's number_text writes the same
  }

  function asNumber(value) {
    return typeof value === "string" && NUMBER_TEXT.test(value) ? Number(value) : null;
  }

  var ORDER = {
    "=": function (a, b) { return a === b; }, "<": function (a, b) { return a < b; },
    "<=": function (a, b) { return a <= b; }, ">": function (a, b) { return a > b; },
    ">=": function (a, b) { return a >= b; },
  };

  // `value OP literal`: with a number on either side, as numbers (text that reads as one counts;
  // other text never matches); two texts as text.
  function comparison(op, literal) {
    var compare = ORDER[op];
    var literalNumber = typeof literal === "number" ? literal : asNumber(literal);
    var literalText = textOf(literal);
    return function (value) {
      var isNumber = typeof value === "number";
      if (isNumber || typeof literal === "number") {
        var number = isNumber ? value : asNumber(value);
        return number !== null && literalNumber !== null && compare(number, literalNumber);
      }
      return compare(value, literalText);
    };
  }

  // Missing is false; a list matches when any item does (negated: when none does).
  function test(field, match, negated) {
    return function (fields) {
      var value = valueOf(field, fields);
      if (value === null) return false;
      var hit = Array.isArray(value) ? value.some(match) : match(value);
      return hit !== Boolean(negated);
    };
  }

  function statusLiteral(field, literal) {
    if (field.kind !== "field" || field.name !== "status" || typeof literal !== "string") return literal;
    var lowered = literal.toLowerCase();
    return MLFLOW_STATUSES[lowered] || lowered;
  }

  function likePattern(pattern, ignoreCase) {
    var body = Array.from(fold(pattern, ignoreCase)).map(function (char) {
      if (char === "%") return "[\\s\\S]*";
      if (char === "_") return "[\\s\\S]";
      return char.replace(/[\\^$.*+?()[\]{}|\/]/g, "\\$&");
    }).join("");
    return new RegExp("^(?:" + body + ")$", "u");
  }

  function fold(value, ignoreCase) {
    var text = textOf(value);
    return ignoreCase ? text.toLowerCase() : text;
  }

  function compile(node, text) {
    if (node.type === "or" || node.type === "and") {
      var tests = node.parts.map(function (part) { return compile(part, text); });
      return node.type === "or"
        ? function (fields) { return tests.some(function (t) { return t(fields); }); }
        : function (fields) { return tests.every(function (t) { return t(fields); }); };
    }
    if (node.type === "not") {
      var inner = compile(node.part, text);
      return function (fields) { return !inner(fields); };
    }
    var field = resolve(text, node.field);
    var literals = (node.values || []).map(function (value) { return statusLiteral(field, value); });
    if (node.type === "null") return function (fields) { return (valueOf(field, fields) === null) !== node.negated; };
    if (node.type === "compare") {
      if (node.op === "!=") return test(field, comparison("=", literals[0]), true);
      return test(field, comparison(node.op, literals[0]), false);
    }
    if (node.type === "like") {
      var pattern = likePattern(node.pattern, node.ignoreCase);
      return test(field, function (value) { return pattern.test(fold(value, node.ignoreCase)); }, node.negated);
    }
    if (node.type === "in") {
      var matches = literals.map(function (literal) { return comparison("=", literal); });
      return test(field, function (value) { return matches.some(function (m) { return m(value); }); }, node.negated);
    }
    var wanted = textOf(literals[0]);
    return function (fields) {
      var value = valueOf(field, fields);
      if (value === null) return false;
      return Array.isArray(value) ? value.indexOf(wanted) >= 0 : textOf(value).indexOf(wanted) >= 0;
    };
  }

  /** A test on a record's fields, or a thrown QueryError; blank text matches every record. */
  function parse(text) {
    if (!text.trim()) return function () { return true; };
    var parser = new Parser(text);
    var tree = parser.disjunction();
    if (!parser.at("$END")) parser.fail();
    return compile(tree, text);
  }

  /* -- the filter in the address: ?q= ------------------------------------------------------- */

  var PARAMETER = "q";

  /** The filter in the address (`?q=`), blank when none; call it once the page's content is up. */
  function fromAddress() {
    var value = new URLSearchParams(window.location.search).get(PARAMETER) || "";
    if (value) closeSearchOpenedBy(value);
    return value;
  }

  // Material's search also reads `?q=`: on a page's first load it opens itself with the text (and
  // drops `q` from the address when closed). Here `q` is a filter: close what it opened; the
  // filter puts `q` back (keepInAddress).
  function closeSearchOpenedBy(value) {
    var toggle = document.querySelector('[data-md-toggle="search"]');
    var input = document.querySelector('[data-md-component="search-query"]');
    if (!toggle || !toggle.checked || !input || input.value !== value) return;
    input.value = "";
    input.blur();
    toggle.checked = false;
    toggle.dispatchEvent(new Event("change"));
  }

  /** Put a filter in the address (none when blank), replacing the history entry: a permalink. */
  function keepInAddress(value) {
    var url = new URL(window.location.href);
    if (value.trim()) url.searchParams.set(PARAMETER, value);
    else url.searchParams.delete(PARAMETER);
    window.history.replaceState(window.history.state, "", url.pathname + url.search + url.hash);
  }

  window.mlreportQuery = {parse: parse, QueryError: QueryError, parameter: PARAMETER, fromAddress: fromAddress,
                          keepInAddress: keepInAddress};
})();
