declare global { interface String { isWellFormed(): boolean; toWellFormed(): string } }
const s: string = 'a\ud800';
console.log(s.isWellFormed(), JSON.stringify(s.toWellFormed()));
export {};
