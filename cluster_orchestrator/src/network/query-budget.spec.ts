import { QueryBudget } from './query-budget';

describe('QueryBudget', () => {
  it('allows `limit` queries per window per worker, then again once the window has moved on', () => {
    const budget = new QueryBudget(3, 1_000);
    expect([0, 10, 20, 30].map((t) => budget.take('w1', t))).toEqual([true, true, true, false]);
    expect(budget.take('w2', 30)).toBe(true); // another worker has its own budget
    expect(budget.take('w1', 999)).toBe(false);
    expect(budget.take('w1', 1_001)).toBe(true); // the query at 0 left the window
    expect(budget.take('w1', 1_005)).toBe(false);
  });
});
