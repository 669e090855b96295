// The storefront: the catalog with live stock, a cart of holds with their countdowns, checkout and buy-now.
'use strict';

const products = new Map();          // sku -> product
const cards = new Map();             // sku -> card element
const buyKeys = new Map();           // sku -> the idempotency key of the next buy-now order
const cart = new Map();              // hold id -> { hold, receivedAt }
const cartKey = 'stockguard-shop-cart';

const $ = id => document.getElementById(id);
const say = (text, kind = 'info') => { const m = $('message'); m.textContent = text; m.dataset.kind = kind; };

function statusText(stock) {
  switch (stock.status) {
    case 'InStock': return 'In stock';
    case 'Low': return `Only ${stock.available} left`;
    case 'Backorder': return 'On backorder';
    default: return 'Out of stock';
  }
}

function renderStock(levels) {
  for (const stock of levels) {
    const card = cards.get(stock.sku);
    if (!card) continue;
    const badge = card.querySelector('.stock');
    badge.textContent = statusText(stock);
    badge.dataset.status = stock.status;
    const sellable = stock.status !== 'OutOfStock';
    card.querySelector('.add').disabled = !sellable;
    card.querySelector('.buy').disabled = !sellable;
  }
}

function remainingMs(entry) {
  if (entry.hold.state !== 'Active') return 0;
  return Math.max(0, entry.hold.remainingMs - (performance.now() - entry.receivedAt));
}

function countdown(ms) {
  const seconds = Math.ceil(ms / 1000);
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
}

function renderCart() {
  const list = $('cart-lines');
  list.replaceChildren();
  let total = 0;
  let payable = 0;
  for (const [id, entry] of cart) {
    const { hold } = entry;
    const li = document.createElement('li');
    li.dataset.hold = id;
    li.dataset.state = hold.state;
    const names = hold.lines.map(l => `${l.quantity} × ${l.name}`).join(', ');
    const price = hold.lines.reduce((sum, l) => sum + l.quantity * l.priceCents, 0);
    const live = hold.state === 'Active';
    if (live) { total += price; payable++; }
    li.innerHTML = '<span class="what"></span><span class="amount"></span><span class="timer"></span><button class="remove" aria-label="Remove">×</button>';
    li.querySelector('.what').textContent = names;
    li.querySelector('.amount').textContent = money(price);
    li.querySelector('.timer').textContent = live
      ? `Held for ${countdown(remainingMs(entry))}`
      : hold.state === 'Expired' ? 'Hold expired: back on sale' : hold.state;
    li.querySelector('.remove').addEventListener('click', () => removeHold(id));
    list.append(li);
  }
  $('cart-empty').hidden = cart.size > 0;
  $('cart-total').textContent = money(total);
  $('pay').disabled = payable === 0;
  sessionStorage.setItem(cartKey, JSON.stringify([...cart.keys()]));
}

async function refreshHolds() {
  for (const id of [...cart.keys()]) {
    const response = await fetch(`/api/cart/holds/${id}`, { cache: 'no-store' });
    if (response.status === 404) { cart.delete(id); continue; }
    const hold = response.ok ? await response.json() : null;
    // A hold paid for or removed while this answer was on its way stays out of the cart.
    if (hold && cart.has(id)) cart.set(id, { hold, receivedAt: performance.now() });
  }
  renderCart();
}

async function addToCart(sku) {
  const response = await fetch('/api/cart/holds', {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ sku, quantity: 1 }),
  });
  if (response.status === 201) {
    const hold = await response.json();
    cart.set(hold.id, { hold, receivedAt: performance.now() });
    say(`${products.get(sku).name} is held for you.`);
  } else {
    say(await problemText(response), 'error');
  }
  renderCart();
}

async function removeHold(id) {
  const entry = cart.get(id);
  cart.delete(id);
  renderCart();
  if (entry?.hold.state === 'Active') {
    await fetch(`/api/cart/holds/${id}`, { method: 'DELETE' });
  }
}

async function pay() {
  const holds = [...cart.entries()].filter(([, e]) => e.hold.state === 'Active').map(([id]) => id);
  $('pay').disabled = true;
  say('Waiting for the payment provider…');
  const response = await fetch('/api/checkout', {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ holds }),
  });
  if (!response.headers.get('Content-Type')?.includes('json') || response.status >= 500) {
    say(await problemText(response), 'error');
    renderCart();
    return;
  }
  const result = await response.json();
  switch (result.outcome) {
    case 'Paid':
      holds.forEach(id => cart.delete(id));
      say(`Paid ${money(result.chargedCents)}. Order ${result.order.id} is on its way.`, 'success');
      break;
    case 'PartlyPaid':
      holds.forEach(id => cart.delete(id));
      say(`Order ${result.order.id}: paid ${money(result.chargedCents)}. Some holds expired before the payment arrived; ${money(result.voidedCents)} was not charged.`, 'warning');
      break;
    case 'Declined':
      say('Your card was declined. Your items are still held until the countdown ends: try again.', 'error');
      break;
    case 'TooLate':
      say('The payment arrived after your holds had expired: nothing was sold, nothing was charged.', 'error');
      break;
    case 'HoldsExpired':
      say('Some holds expired before you paid, and nothing was charged. Remove them and pay for the rest.', 'error');
      break;
    default:
      say(result.detail || result.title || `HTTP ${response.status}`, 'error');
  }
  await refreshHolds();
}

async function buyNow(sku) {
  // One key per intended order: a retry after a lost answer sends the same key, and the server applies it once.
  if (!buyKeys.has(sku)) buyKeys.set(sku, crypto.randomUUID());
  const key = buyKeys.get(sku);
  let response;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      response = await fetch('/api/orders', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'Idempotency-Key': key },
        body: JSON.stringify({ sku, quantity: 1 }),
      });
      break;
    } catch {
      // The answer was lost: the same key makes the retry safe.
    }
  }
  if (!response) { say('The shop did not answer; try again.', 'error'); return; }
  if (response.ok) {
    const order = await response.json();
    buyKeys.delete(sku);
    say(`Order ${order.orderId} placed: ${order.lines[0].name}, ${money(order.totalCents)} on invoice.${order.replayed ? ' (A retry was recognised: nothing was bought twice.)' : ''}`, 'success');
  } else {
    say(await problemText(response), 'error');
  }
}

function tile(product) {
  const t = document.createElement('span');
  t.textContent = product.sku.split('-')[0];
  return t;
}

async function start() {
  const config = await shopConfig();
  const catalog = await (await fetch('/api/catalog')).json();
  const template = $('product');
  for (const product of catalog) {
    products.set(product.sku, product);
    const card = template.content.firstElementChild.cloneNode(true);
    card.dataset.sku = product.sku;
    card.setAttribute('aria-label', product.name);
    card.querySelector('.tile').style.background = product.colour;
    card.querySelector('.tile').append(tile(product));
    card.querySelector('.name').textContent = product.name;
    card.querySelector('.description').textContent = product.description;
    card.querySelector('.price').textContent = money(product.priceCents);
    card.querySelector('.stock').textContent = '…';
    card.querySelector('.add').addEventListener('click', () => addToCart(product.sku));
    card.querySelector('.buy').addEventListener('click', () => buyNow(product.sku));
    cards.set(product.sku, card);
    $('catalog').append(card);
  }
  $('pay').addEventListener('click', pay);
  for (const id of JSON.parse(sessionStorage.getItem(cartKey) ?? '[]')) {
    cart.set(id, { hold: { id, state: 'Active', remainingMs: 0, lines: [] }, receivedAt: performance.now() });
  }
  await refreshHolds();
  setInterval(renderCart, 1000);
  pollLive('/api/stock', config.pollIntervalMs, $('live'), renderStock, refreshHolds);
}

start();
