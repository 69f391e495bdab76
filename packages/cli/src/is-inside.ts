import { isAbsolute, relative, sep } from 'node:path';

/** `path` is `dir` or somewhere inside it (`dir/..x` is inside; `dir-2` and `dir/..` are not). */
export function isInside(path: string, dir: string): boolean {
  const way = relative(dir, path);
  return way === '' || (way !== '..' && !way.startsWith(`..${sep}`) && !isAbsolute(way));
}
