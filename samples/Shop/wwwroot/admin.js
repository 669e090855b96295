// The back office: live stock levels, receiving deliveries, and the orders of this shop process.
'use strict';

const $ = id => document.getElementById(id);
const say = (text, kind = 'info') => { const m = $('message'); m.textContent = text; m.dataset.kind = kind; };

function renderLevels(levels) {
  const body = $('levels');
  body.replaceChildren();
  for (const l of levels) {
    const row = document.createElement('tr');
    row.dataset.sku = l.sku;
    for (const value of [l.sku, l.name, l.onHand, l.reserved, l.available, l.status, l.version]) {
      const cell = document.createElement('td');
      cell.textContent = value;
      row.append(cell);
    }
    body.append(row);
  }
  const select = $('receive-sku');
  if (select.options.length === 0) {
    for (const l of levels) select.append(new Option(`${l.sku} · ${l.name}`, l.sku));
  }
}

async function refreshOrders() {
  const response = await fetch('/api/admin/orders', { cache: 'no-store' });
  if (!response.ok) return;
  const book = await response.json();
  $('payments').textContent = `Captured ${money(book.capturedCents)} · authorised and given back ${money(book.voidedCents)}`;
  const list = $('orders');
  list.replaceChildren();
  for (const order of book.orders) {
    const li = document.createElement('li');
    const lines = order.lines.map(l => `${l.quantity} × ${l.name}`).join(', ');
    li.textContent = `${order.id} · ${order.kind === 'BuyNow' ? 'buy now' : 'checkout'} · ${lines} · ${money(order.totalCents)}`;
    list.append(li);
  }
}

async function receive(event) {
  event.preventDefault();
  const form = new FormData(event.target);
  const receipt = { sku: form.get('sku'), quantity: Number(form.get('quantity')), deliveryNote: form.get('deliveryNote') };
  const response = await fetch('/api/admin/receipts', {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(receipt),
  });
  if (response.ok) {
    const result = await response.json();
    say(result.replayed
      ? `Delivery note ${receipt.deliveryNote} was already received: nothing changed.`
      : `Received ${receipt.quantity} × ${result.sku}: ${result.onHand} on hand, ${result.available} available.`, 'success');
  } else {
    say(await problemText(response), 'error');
  }
}

async function start() {
  const config = await shopConfig();
  $('receive').addEventListener('submit', receive);
  pollLive('/api/admin/stock', config.pollIntervalMs, $('live'), renderLevels, refreshOrders);
}

start();
