// The markdown of XLSForm labels and hints, the twin of survey_app/capture/markdown.py:
// **bold**, *italic* (also __ and _), [link](https://...). Elements are built with
// textContent, never innerHTML, so a label can never inject markup.

const MARK =
  /\*\*([^*]+?)\*\*|__([^_]+?)__|\*([^*\s][^*]*?)\*|(?<![A-Za-z0-9])_([^_\s][^_]*?)_(?![A-Za-z0-9])|\[([^\]]+)\]\((https?:\/\/[^\s)]+)\)/g;

/** Nodes for a text: strings stay text (the caller may split them further). */
export function markdownNodes(text) {
  const nodes = [];
  let pos = 0;
  for (const m of text.matchAll(MARK)) {
    if (m.index > pos) nodes.push(text.slice(pos, m.index));
    let element;
    if (m[1] || m[2]) {
      element = document.createElement('strong');
      element.textContent = m[1] || m[2];
    } else if (m[3] || m[4]) {
      element = document.createElement('em');
      element.textContent = m[3] || m[4];
    } else {
      element = document.createElement('a');
      element.href = m[6];
      element.rel = 'noopener noreferrer';
      element.textContent = m[5];
    }
    nodes.push(element);
    pos = m.index + m[0].length;
  }
  if (pos < text.length) nodes.push(text.slice(pos));
  return nodes;
}
