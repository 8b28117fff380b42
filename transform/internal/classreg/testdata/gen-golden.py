import hashlib, subprocess, sys
def rid(key, name, comp):
    h = hashlib.sha256(("0\0" + key.lower() + "\0" + name.lower() + "\0" + comp).encode()).hexdigest()
    return "reg" + h[:32].upper()
src, msi, out = sys.argv[1:4]
rows = []
for l in open(src, encoding='utf-8').read().splitlines():
    key, name, value, comp = l.split('\t')
    rows.append([rid(key, name, comp), '0', key, name, value, comp])
ex = subprocess.run(['msiinfo', 'export', msi, 'Registry'], capture_output=True, text=True).stdout.replace('\r\n', '\n').split('\n')
for l in ex[3:]:
    if l: rows.append(l.split('\t'))
rows.sort(key=lambda r: r[0])
with open(out, 'w', newline='') as f:
    f.write("Registry\tRoot\tKey\tName\tValue\tComponent_\r\ns72\ti2\tl255\tL255\tL0\ts72\r\nRegistry\tRegistry\r\n")
    for r in rows: f.write('\t'.join(r) + '\r\n')
