import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CSV_STANDARD_COLUMNS, parseCsvRecord } from '../../../formats/source/records.js';

describe('CSV records', () => {
  it("names the file's line in csv-parse's messages, not the row's own line 1", () => {
    const record = parseCsvRecord(CSV_STANDARD_COLUMNS, 'alice,"bob,AddSource_Type_Web', 42);
    assert.equal(record.line, 42);
    assert.equal(record.rejections.length, 1);
    const reason = record.rejections[0]?.reason ?? '';
    assert.match(reason, /^is not a valid CSV row \(Quote Not Closed: .* at line 42\)$/);
    assert.doesNotMatch(reason, /at line 1\b/);
  });
});
