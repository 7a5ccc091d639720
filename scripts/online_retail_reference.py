import csv, gzip, collections
from decimal import Decimal
rows = 0; bad = collections.Counter(); codes = collections.Counter(); nonascii = 0
gross = Decimal(0); returns = Decimal(0); adj = Decimal(0); units = 0
orders = set(); customers = set(); dup = collections.Counter(); zero_price = 0; no_desc = 0
custfmt = collections.Counter(); lines_with_newline = 0; neg_price = 0
with gzip.open('/work/shared/data/online_retail.csv.gz', 'rt', encoding='latin-1', newline='') as f:
    r = csv.reader(f)
    header = next(r)
    for row in r:
        rows += 1
        inv, code, desc, qty, date, price, cust, country = row
        if any(ord(c) > 127 for c in ''.join(row)): nonascii += 1
        if '\n' in ''.join(row): lines_with_newline += 1
        dup[tuple(row)] += 1
        q = int(qty); p = Decimal(price)
        if p == 0: zero_price += 1
        if not desc: no_desc += 1
        if p < 0: neg_price += 1
        custfmt['empty' if not cust else ('dec' if '.' in cust else 'int')] += 1
        v = q * p
        cancelled = inv.startswith('C'); adjustment = inv.startswith('A')
        if p < 0 or adjustment: adj += v
        elif q < 0 or cancelled: returns += abs(v)
        elif q > 0:
            gross += v; units += q; orders.add(inv)
            if cust: customers.add(cust)
        if not code[:1].isdigit(): codes[code] += 1
print('rows', rows, 'header', header)
print('nonascii rows', nonascii, 'embedded newline', lines_with_newline, 'zero price', zero_price, 'no desc', no_desc, 'neg price', neg_price)
print('customer id format', custfmt)
print('exact duplicate rows (extra copies)', sum(c-1 for c in dup.values() if c > 1))
print('gross', gross, 'returns', returns, 'net', gross-returns, 'adjustments', adj, 'units', units, 'orders', len(orders), 'customers', len(customers))
print('non-numeric codes', codes.most_common(25))
