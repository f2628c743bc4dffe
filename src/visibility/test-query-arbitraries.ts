/**
 * fast-check generators of visibility queries for the parser/compiler property tests and the brute-force
 * list/count test: trees over built-in fields and custom search attributes with every operator, printed as text
 * (formatQuery), plus random garbage. Each field draws its literals from a domain the caller gives, so the
 * brute-force test can use small domains (queries that match something) and the property test wild ones.
 */
import fc from 'fast-check';
import type { CompareOp, Expr, Literal, OrderBy, VisibilityQuery } from './query-ast.js';

export type FieldDomains = Record<string, fc.Arbitrary<Literal>>;

const COMPARE_OPS: CompareOp[] = ['=', '!=', '>', '>=', '<', '<='];

function leaf(domains: FieldDomains): fc.Arbitrary<Expr> {
  const fields = Object.keys(domains);
  return fc.constantFrom(...fields).chain((field) => {
    const lit = domains[field]!;
    const position = 0;
    return fc.oneof(
      fc
        .tuple(fc.constantFrom(...COMPARE_OPS), lit)
        .map(([op, value]): Expr => ({ kind: 'compare', field, op, value, position })),
      fc
        .tuple(fc.array(lit, { minLength: 1, maxLength: 4 }), fc.boolean())
        .map(([values, negated]): Expr => ({ kind: 'in', field, values, negated, position })),
      fc
        .tuple(lit, lit, fc.boolean())
        .map(([low, high, negated]): Expr => ({ kind: 'between', field, low, high, negated, position })),
      lit.map((v): Expr => ({ kind: 'startsWith', field, prefix: typeof v === 'string' ? v : String(v), position })),
      fc.boolean().map((negated): Expr => ({ kind: 'isNull', field, negated, position })),
    );
  });
}

export function exprArbitrary(domains: FieldDomains, maxDepth = 4): fc.Arbitrary<Expr> {
  const { expr } = fc.letrec<{ expr: Expr }>((tie) => ({
    expr: fc.oneof(
      { depthSize: 'small', maxDepth, withCrossShrink: true },
      leaf(domains),
      fc.tuple(tie('expr'), tie('expr')).map(([left, right]): Expr => ({ kind: 'and', left, right })),
      fc.tuple(tie('expr'), tie('expr')).map(([left, right]): Expr => ({ kind: 'or', left, right })),
      tie('expr').map((e): Expr => ({ kind: 'not', expr: e })),
    ),
  }));
  return expr;
}

export function queryArbitrary(
  domains: FieldDomains,
  orderFields: readonly string[],
  maxDepth = 4,
): fc.Arbitrary<VisibilityQuery> {
  const order: fc.Arbitrary<OrderBy[]> = fc.array(
    fc.record({
      field: fc.constantFrom(...orderFields),
      direction: fc.constantFrom('ASC' as const, 'DESC' as const),
      position: fc.constant(0),
    }),
    { maxLength: 2 },
  );
  return fc
    .record({ where: fc.option(exprArbitrary(domains, maxDepth), { nil: undefined }), orderBy: order })
    .map((q): VisibilityQuery =>
      q.where === undefined ? { orderBy: q.orderBy } : { where: q.where, orderBy: q.orderBy },
    );
}

/** Every literal of a tree, with the field it belongs to. */
export function literalsOf(e: Expr | undefined): Array<{ field: string; value: Literal }> {
  if (!e) return [];
  switch (e.kind) {
    case 'and':
    case 'or':
      return [...literalsOf(e.left), ...literalsOf(e.right)];
    case 'not':
      return literalsOf(e.expr);
    case 'compare':
      return [{ field: e.field, value: e.value }];
    case 'in':
      return e.values.map((value) => ({ field: e.field, value }));
    case 'between':
      return [
        { field: e.field, value: e.low },
        { field: e.field, value: e.high },
      ];
    case 'startsWith':
      return [{ field: e.field, value: e.prefix }];
    case 'isNull':
      return [];
  }
}
