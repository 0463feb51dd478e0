/** Incremental parser of a text/event-stream body: feed chunks, get each event's data. */
export class SseParser {
  private buffer = '';
  private data: string[] = [];

  /** Returns the data of every event completed by this chunk. */
  push(chunk: string): string[] {
    this.buffer += chunk;
    const events: string[] = [];
    let newline: number;
    while ((newline = this.buffer.search(/\r?\n/)) >= 0) {
      const line = this.buffer.slice(0, newline);
      this.buffer = this.buffer.slice(newline + (this.buffer[newline] === '\r' ? 2 : 1));
      if (line === '') {
        if (this.data.length) events.push(this.data.join('\n'));
        this.data = [];
      } else if (line.startsWith('data:')) {
        this.data.push(line.slice(5).replace(/^ /, ''));
      }
      // comments (":"), event:, id:, retry: lines are ignored
    }
    return events;
  }

  /** The last event when the stream ended without a blank line. */
  end(): string[] {
    const rest = this.push('\n\n');
    return rest;
  }
}
