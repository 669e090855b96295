namespace StockGuard.Sql;

/// <summary>One command and its parameters: an anonymous object whose properties name the <c>@</c> parameters, or, for commands whose parameter list varies, a <see cref="Dictionary{TKey, TValue}"/> of <c>string</c> to <c>object?</c>.</summary>
internal readonly record struct SqlCall(string Sql, object Parameters);
