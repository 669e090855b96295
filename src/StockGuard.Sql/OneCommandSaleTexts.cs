namespace StockGuard.Sql;

/// <summary>The texts of <see cref="SqlDialect.DeductOne"/> and <see cref="SqlDialect.DeductOneKeyed"/> of one dialect, built once (<see cref="SqlDialect.SaleTexts"/>).</summary>
internal sealed record OneCommandSaleTexts(string? DeductOne, string? DeductOneKeyed);
