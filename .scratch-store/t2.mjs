import Database from 'better-sqlite3';
const d = new Database(':memory:');
d.exec(`create table g(id text primary key, status text, agent text, created_at int, expires_at int);
create index g_status_exp on g(status, expires_at);`);
for (const sql of [
 `select * from g indexed by sqlite_autoindex_g_1 where status in ('pending_approval','issuing','active') and id in (select value from json_each(?)) limit 10`,
 `select g.* from json_each(?) j cross join g on g.id = j.value where status in ('pending_approval','issuing','active') limit 10`,
]) console.log(sql, '\n ', d.prepare('explain query plan ' + sql).all('x').map(r=>r.detail).join(' | '));
