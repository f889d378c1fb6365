/** ECR lifecycle rules the platform's repositories share, as a lifecycle policy's JSON spells them. */

/** Expires untagged images (a moved tag's former digest, an interrupted push) `days` after their push. */
export function expireUntagged(priority: number, days: number): Record<string, unknown> {
  return {
    rulePriority: priority,
    description: `Expire untagged images after ${days} days`,
    selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: days },
    action: { type: 'expire' },
  };
}

/** Keeps the newest `count` tagged images and expires older ones. */
export function keepNewestTagged(priority: number, count: number): Record<string, unknown> {
  return {
    rulePriority: priority,
    description: `Keep the newest ${count} tagged images`,
    selection: { tagStatus: 'tagged', tagPatternList: ['*'], countType: 'imageCountMoreThan', countNumber: count },
    action: { type: 'expire' },
  };
}
