/* csv.js: reading an RFC 4180 file strictly, to check what an export
 * wrote: records end with CRLF (the last one too), a field is quoted when
 * it holds a comma, quote, CR or LF, a quote inside is doubled. Throws on
 * anything else (a bare quote, a lone LF between records, text after a
 * closing quote). Returns the records as arrays of strings. */
'use strict';

function parseCsv(text) {
  const records = [];
  let i = 0;
  while (i < text.length) {
    const rec = [];
    for (;;) {
      let field = '';
      if (text[i] === '"') {
        for (i++; ; i++) {
          if (i >= text.length) throw new Error('CSV: a quoted field is not closed');
          if (text[i] === '"') {
            if (text[i + 1] !== '"') { i++; break; }
            field += '"';
            i++;
          } else {
            field += text[i];
          }
        }
      } else {
        while (i < text.length && !',\r\n"'.includes(text[i])) field += text[i++];
        if (text[i] === '"') throw new Error(`CSV: a quote inside an unquoted field at ${i}`);
      }
      rec.push(field);
      if (text[i] === ',') { i++; continue; }
      if (text.startsWith('\r\n', i)) { i += 2; break; }
      throw new Error(`CSV: record ${records.length + 1} does not end with CRLF at ${i}`);
    }
    records.push(rec);
  }
  return records;
}

module.exports = { parseCsv };
