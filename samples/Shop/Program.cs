// A small web shop on StockGuard: a catalog with live stock, cart holds that count down and give their units back
// when left, checkout after a simulated card payment, buy-now with an idempotency key, and a back office that
// receives deliveries. Open http://localhost:5080 (the storefront) and http://localhost:5080/admin.html.
//
//   dotnet run --project samples/Shop                       # the embedded SQLite store, a file beside the program
//   dotnet run --project samples/Shop -- --store postgres   # PostgreSQL at ConnectionStrings:Postgres (loopback default)
//   dotnet run --project samples/Shop -- --Shop:HoldTime 00:00:30 --Payment:DeclineRate 0.5
using Shop;

await ShopApp.Create(args).RunAsync();
