import { BaseSequencer, type TestSpecification } from 'vitest/node';

const isSoak = (specification: TestSpecification) => specification.moduleId.endsWith('-soak.test.ts');

/**
 * Hands the soak file to a worker first: with two workers it then runs its ten minutes on one
 * while the other takes every other scenario file in turn.
 */
export class SoakFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    return [...sorted.filter(isSoak), ...sorted.filter((file) => !isSoak(file))];
  }
}
