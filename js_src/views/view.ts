/**
 * What every view returns when it is mounted on an element: a way to show new
 * data in place, and a cleanup that removes everything the view added.
 */
export interface View<Data> {
  update(data: Data): void;
  destroy(): void;
}
