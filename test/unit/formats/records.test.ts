import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CSV_STANDARD_COLUMNS,
  groupCell,
  groupNames,
  parseCsvRecord,
} from '../../../formats/source/records.js';

describe('CSV records', () => {
  it("names the file's line in csv-parse's messages, not the row's own line 1", () => {
    const record = parseCsvRecord(CSV_STANDARD_COLUMNS, 'alice,"bob,AddSource_Type_Web', 42);
    assert.equal(record.line, 42);
    assert.equal(record.rejections.length, 1);
    const reason = record.rejections[0]?.reason ?? '';
    assert.match(reason, /^is not a valid CSV row \(Quote Not Closed: .* at line 42\)$/);
    assert.doesNotMatch(reason, /at line 1\b/);
  });

  it('reads GroupName as names separated by |, with \\| for a | within a name and \\\\ for a backslash', () => {
    assert.deepEqual(groupNames('team|gym'), ['team', 'gym']);
    assert.deepEqual(groupNames(String.raw`R\|D|a\\|c:\dir`), ['R|D', 'a\\', 'c:\\dir']);
    const row = parseCsvRecord(
      CSV_STANDARD_COLUMNS,
      String.raw`alice,bob,AddSource_Type_Web,,,R\|D|ops,,`,
      2,
    );
    assert.deepEqual(row.items[0]?.item.GroupName, ['R|D', 'ops']);
    // What groupCell writes, groupNames reads back, whatever the names hold.
    for (const groups of [['a|b', 'c'], ['\\', '|', '\\|'], ['x\\y'], ['plain', 'two words']])
      assert.deepEqual(groupNames(groupCell(groups)), groups, JSON.stringify(groups));
  });
});
