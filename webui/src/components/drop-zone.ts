/**
 * A drop target for one file: highlights while something is dragged over it (class `over`) and
 * hands the first dropped file to `use`. The package upload and the image input share it.
 */
export function acceptDroppedFile(zone: HTMLElement, use: (file: File) => void): void {
  zone.addEventListener('dragover', (event) => { event.preventDefault(); zone.classList.add('over') })
  zone.addEventListener('dragleave', () => zone.classList.remove('over'))
  zone.addEventListener('drop', (event) => {
    event.preventDefault()
    zone.classList.remove('over')
    const file = event.dataTransfer?.files[0]
    if (file) use(file)
  })
}
