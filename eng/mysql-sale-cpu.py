#!/usr/bin/env python3
# Used by docs/mysql.md ("The schema (version 8)"):  python3 eng/mysql-sale-cpu.py [DATABASE] [SALES] [ROUNDS]
"""One MariaDB/MySQL session's server CPU per one-line sale, procedure by procedure: the shipped schema script is applied
to DATABASE (default stockguard_salecpu; dropped at the end), 1,000 items are stocked, and in each round every
procedure sells SALES times (default 2,000) to random items from one session, inside a loop procedure, so the client
sends nothing per sale. The session's server thread's run time is read from /proc/PID/task/TID/schedstat before and
after (so run it on the database host, as a user who may read the server's /proc). Rounds interleave the procedures;
the median per procedure and the median of the per-round ratios to version 6's are printed. Needs the mysql client;
connection from MYSQL_ARGS (default: -h127.0.0.1 -ustockguard -pstockguard)."""
import os, re, shlex, statistics, subprocess, sys, time

database = sys.argv[1] if len(sys.argv) > 1 else 'stockguard_salecpu'
sales, rounds = (int(sys.argv[2]) if len(sys.argv) > 2 else 2000), (int(sys.argv[3]) if len(sys.argv) > 3 else 8)
assert re.fullmatch(r'[A-Za-z_][A-Za-z0-9_]{0,62}', database), 'DATABASE must be a plain identifier'
mysql = ['mysql'] + shlex.split(os.environ.get('MYSQL_ARGS', '-h127.0.0.1 -ustockguard -pstockguard'))
root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
script = open(os.path.join(root, 'src/StockGuard.MySql/Schema/stockguard-mysql.sql')).read().replace('`stockguard`', f'`{database}`')
key = "UUID(), REPEAT('f', 64)"
sells = {  # name: the CALL
    'stock_deduct_one (v6)': "CALL stock_deduct_one(CONCAT('s', FLOOR(RAND() * 1000)), '', 1, UTC_TIMESTAMP(6), NULL)",
    'stock_deduct_one_v8': "CALL stock_deduct_one_v8(CONCAT('s', FLOOR(RAND() * 1000)), '', 1, UTC_TIMESTAMP(6), NULL)",
    'stock_deduct_one_keyed (v6)': f"CALL stock_deduct_one_keyed(CONCAT('s', FLOOR(RAND() * 1000)), '', 1, UTC_TIMESTAMP(6), NULL, {key})",
    'stock_deduct_one_keyed_v8': f"CALL stock_deduct_one_keyed_v8(CONCAT('s', FLOOR(RAND() * 1000)), '', 1, UTC_TIMESTAMP(6), NULL, {key})",
}
cases = ''.join(f'      WHEN {n} THEN {call};\n' for n, call in enumerate(sells.values()))
loop = f"""DELIMITER $$
CREATE PROCEDURE `{database}`.sell_loop (p_which INT, p_n INT)
BEGIN
  DECLARE i INT DEFAULT 0;
  WHILE i < p_n DO
    CASE p_which
{cases}    END CASE;
    SET i = i + 1;
  END WHILE;
END$$
DELIMITER ;
INSERT INTO `{database}`.stock_items (sku, location, on_hand, released)
SELECT CONCAT('s', seq), '', 1000000000, 1 FROM (WITH RECURSIVE n (seq) AS (SELECT 0 UNION ALL SELECT seq + 1 FROM n WHERE seq < 999) SELECT seq FROM n) items;
"""


def run(sql, *extra):
    return subprocess.run(mysql + list(extra), input=sql, text=True, check=True, capture_output=True).stdout.strip()


server = int((subprocess.run(['pgrep', '-x', 'mariadbd'], capture_output=True, text=True).stdout or subprocess.check_output(['pgrep', '-x', 'mysqld'], text=True)).split()[0])
run(f'DROP DATABASE IF EXISTS `{database}`;\n' + script)
run(loop)


def thread_of(marker):
    for _ in range(6000):
        tid = run(f"SELECT tid FROM information_schema.processlist WHERE info LIKE '%{marker}%' AND info NOT LIKE '%processlist%'", '-N')
        if tid:
            return int(tid.split()[0])
        time.sleep(0.05)
    raise SystemExit(f'no session showed {marker}')


def cpu_us(tid):
    return int(open(f'/proc/{server}/task/{tid}/schedstat').read().split()[0]) / 1000


per = {name: [] for name in sells}
try:
    for r in range(rounds):
        for n, name in enumerate(sells):
            session = subprocess.Popen(mysql + [database, '-e', f"SELECT SLEEP(1), 'salecpu_a{r}_{n}'; CALL sell_loop({n}, {sales}); SELECT SLEEP(1), 'salecpu_b{r}_{n}';"],
                                       stdout=subprocess.DEVNULL)
            tid = thread_of(f'salecpu_a{r}_{n}'); before = cpu_us(tid)
            thread_of(f'salecpu_b{r}_{n}'); after = cpu_us(tid)
            session.wait()
            per[name].append((after - before) / sales)
            print(f'round {r + 1}: {name}: {per[name][-1]:.0f} µs', flush=True)
finally:
    run(f'DROP DATABASE IF EXISTS `{database}`;')

print('| procedure | server CPU per sale, median of rounds | per round | median ratio to version 6 |')
print('| --- | ---: | --- | ---: |')
names = list(sells)
for i, name in enumerate(names):
    base = per[names[i - 1]] if i % 2 else None
    ratio = f'{statistics.median(a / b for a, b in zip(per[name], base)):.2f}' if base else ''
    print(f"| `{name}` | {statistics.median(per[name]):.0f} µs | {' '.join(f'{v:.0f}' for v in per[name])} | {ratio} |")
