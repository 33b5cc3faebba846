/** What every Try-it form gives the page: its element and, on send, the request body. */

export interface TryRequest {
  body?: BodyInit
  contentType?: string
  /** The image sent, for drawing word boxes over it. */
  image?: Blob
}

export interface TryForm {
  element: HTMLElement
  /** Throws an Error whose message says what to fill in. */
  build(): TryRequest | Promise<TryRequest>
}

/** Sample files of the package (examples[].file), when the server can serve them. */
export interface SampleSource {
  list: Array<{ name: string; file: string; contentType?: string }>
  fetch(file: string): Promise<Blob>
}
