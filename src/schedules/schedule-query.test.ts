/** The schedule list query: the fields it takes, every operator, and errors with positions. */
import { describe, expect, it } from 'vitest';
import { QuerySyntaxError } from '../visibility/query-ast.js';
import { compileScheduleQuery } from './schedule-query.js';
import type { ScheduleState } from './state.js';

const schedule = (scheduleId: string, workflowType: string, taskQueue: string, paused: boolean): ScheduleState =>
  ({ scheduleId, paused, action: { workflowType, taskQueue } }) as unknown as ScheduleState;

const all = [
  schedule('billing-daily', 'invoice', 'billing', false),
  schedule('billing-hourly', 'invoice', 'billing', true),
  schedule('reports-weekly', 'report', 'reports', false),
];
const ids = (query: string): string[] => all.filter(compileScheduleQuery(query)).map((s) => s.scheduleId);

describe('compileScheduleQuery', () => {
  it('filters on ScheduleId, WorkflowType, TaskQueue and TemporalSchedulePaused with every operator', () => {
    expect(ids('')).toHaveLength(3);
    expect(ids("ScheduleId STARTS_WITH 'billing-'")).toEqual(['billing-daily', 'billing-hourly']);
    expect(ids('TemporalSchedulePaused = true')).toEqual(['billing-hourly']);
    expect(ids("WorkflowType = 'invoice' AND TemporalSchedulePaused = FALSE")).toEqual(['billing-daily']);
    expect(ids("TaskQueue IN ('reports', 'x') OR ScheduleId = 'billing-hourly'")).toEqual([
      'billing-hourly',
      'reports-weekly',
    ]);
    expect(ids("ScheduleId NOT IN ('billing-daily')")).toEqual(['billing-hourly', 'reports-weekly']);
    expect(ids("ScheduleId BETWEEN 'billing-e' AND 'reports'")).toEqual(['billing-hourly']);
    expect(ids("ScheduleId > 'c' AND NOT (WorkflowType != 'report')")).toEqual(['reports-weekly']);
    expect(ids('TaskQueue IS NULL')).toEqual([]);
    expect(ids('TaskQueue IS NOT NULL')).toHaveLength(3);
  });

  it('refuses unknown fields, wrong literal types, ranges on the Bool field and ORDER BY, with positions', () => {
    const error = (query: string): QuerySyntaxError => {
      try {
        compileScheduleQuery(query);
      } catch (e) {
        return e as QuerySyntaxError;
      }
      throw new Error(`${query} compiled`);
    };
    expect(error("WorkflowId = 'x'")).toMatchObject({
      position: 0,
      message: expect.stringMatching(/unknown schedule field WorkflowId/),
    });
    expect(error('ScheduleId = 5')).toMatchObject({ position: 13, message: expect.stringMatching(/Keyword field/) });
    expect(error("TemporalSchedulePaused = 'yes'")).toMatchObject({ position: 25 });
    expect(error('TemporalSchedulePaused > false').message).toMatch(/Bool field/);
    expect(error("ScheduleId = 'a' ORDER BY ScheduleId").message).toMatch(/ORDER BY is not supported/);
    expect(error('ScheduleId = ')).toBeInstanceOf(QuerySyntaxError);
  });
});
