import Database from 'better-sqlite3';
const d = new Database(':memory:');
d.exec(`create table g(id text primary key, status text, agent text, created_at int, expires_at int);
create index g_live_agent on g(agent) where status in ('pending_approval','issuing','active');
create index g_agent_created on g(agent, created_at, id);
create index g_status_exp on g(status, expires_at);
create table t(x text)`);
d.prepare('insert into t values (?)').run('a\ud800b');
console.log(JSON.stringify(d.prepare('select x from t').get().x));
for (const sql of [
 `select * from g where status in ('pending_approval','issuing','active') and agent = ? limit 10`,
 `select * from g indexed by g_live_agent where status in ('pending_approval','issuing','active') and agent = ? limit 10`,
 `select * from g where status in ('pending_approval','issuing','active') and id in (select value from json_each(?)) limit 10`,
 `select * from g where status in ('pending_approval','issuing','active') and created_at < ? limit 10`,
 `select * from g where agent = ? and (created_at, id) < (?, ?) order by created_at desc, id desc limit 10`,
]) console.log(sql, '\n ', d.prepare('explain query plan ' + sql).all(...(sql.match(/\?/g)||[]).map(()=> 'x')).map(r=>r.detail).join(' | '));
