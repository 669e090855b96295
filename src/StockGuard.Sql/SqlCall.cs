namespace StockGuard.Sql;

/// <summary>One command and its parameters (an anonymous object whose properties name the <c>@</c> parameters).</summary>
internal readonly record struct SqlCall(string Sql, object Parameters);
