/**
 * The visibility query language as a tree. The parser (query-parser.ts) builds it from text such as
 * `WorkflowType = 'x' AND ExecutionStatus = 'Running' ORDER BY StartTime DESC`; each store dialect compiles
 * the same tree to parameterised SQL (store/sql/compile-query.ts).
 */
export type Literal = string | number | boolean;

// `position` is the 0-based offset of the predicate's field in the query text; the optional `*Position(s)` point at
// its literals, so the compiler can aim an error (a bad status, a malformed date) at the exact value. Hand-built trees
// may leave them out: errors then point at the field.

export type Expr =
  | { kind: 'and'; left: Expr; right: Expr }
  | { kind: 'or'; left: Expr; right: Expr }
  | { kind: 'not'; expr: Expr }
  | {
      kind: 'compare';
      field: string;
      op: CompareOp;
      value: Literal;
      position: number;
      valuePosition?: number;
    }
  | {
      kind: 'in';
      field: string;
      values: Literal[];
      negated: boolean;
      position: number;
      valuePositions?: number[];
    }
  | {
      kind: 'between';
      field: string;
      low: Literal;
      high: Literal;
      negated: boolean;
      position: number;
      lowPosition?: number;
      highPosition?: number;
    }
  | { kind: 'startsWith'; field: string; prefix: string; position: number; prefixPosition?: number }
  | { kind: 'isNull'; field: string; negated: boolean; position: number };

/** `<>` parses to '!='. */
export type CompareOp = '=' | '!=' | '>' | '>=' | '<' | '<=';

export interface OrderBy {
  field: string;
  direction: 'ASC' | 'DESC';
  position: number;
}

export interface VisibilityQuery {
  where?: Expr;
  orderBy: OrderBy[];
}

export class QuerySyntaxError extends Error {
  constructor(
    message: string,
    /** 0-based character offset in the query text */
    readonly position: number,
  ) {
    super(message);
    this.name = 'QuerySyntaxError';
  }
}
