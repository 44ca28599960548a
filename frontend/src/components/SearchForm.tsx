import { useState, type FormEvent } from "react";

export function SearchForm({ initial, onSearch }: { initial: string; onSearch: (q: string) => void }) {
  const [text, setText] = useState(initial);
  function submit(event: FormEvent) {
    event.preventDefault();
    onSearch(text.trim());
  }
  return (
    <form role="search" className="search-form" onSubmit={submit}>
      <label htmlFor="order-search">Search orders</label>
      <div className="search-row">
        <input
          id="order-search"
          type="search"
          value={text}
          placeholder="customer, product, tracking number…"
          onChange={(event) => setText(event.target.value)}
        />
        <button type="submit">Search</button>
      </div>
    </form>
  );
}
