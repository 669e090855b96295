// Shared by the pages: money, problem details, and a poller that sends the last ETag back in If-None-Match, so that
// the server answers 304 with no body while nothing changed.
'use strict';

const euro = new Intl.NumberFormat('en-IE', { style: 'currency', currency: 'EUR' });
const money = cents => euro.format(cents / 100);

async function problemText(response) {
  try {
    const problem = await response.json();
    return problem.detail || problem.title || `HTTP ${response.status}`;
  } catch {
    return `HTTP ${response.status}`;
  }
}

async function shopConfig() {
  const response = await fetch('/api/config', { cache: 'no-store' });
  return response.json();
}

// Calls onChange(body) when the resource changed; shows in `status` when it last changed and how many polls since
// were answered 304.
function pollLive(url, intervalMs, status, onChange, onTick) {
  let tag = null;
  let unchanged = 0;
  let changedAt = null;
  const tick = async () => {
    try {
      const response = await fetch(url, { cache: 'no-store', headers: tag ? { 'If-None-Match': tag } : {} });
      if (response.status === 200) {
        tag = response.headers.get('ETag');
        unchanged = 0;
        changedAt = new Date();
        onChange(await response.json());
      } else if (response.status === 304) {
        unchanged++;
      }
      status.textContent = `Live: stock last changed at ${changedAt?.toLocaleTimeString('en-GB') ?? '—'}; ` +
        `${unchanged} ${unchanged === 1 ? 'poll' : 'polls'} since answered 304 Not Modified`;
      status.classList.remove('offline');
    } catch {
      status.textContent = 'Offline: retrying…';
      status.classList.add('offline');
    }
    if (onTick) {
      await onTick();
    }
    setTimeout(tick, intervalMs);
  };
  tick();
}
