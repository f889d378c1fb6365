import { describe, expect, it } from 'vitest';
import { allocateSubnets, cidrsOverlap, formatCidr, parseCidr } from '../../constructs/network/cidr';

describe('cidr', () => {
  it('parses canonical blocks and rejects host bits, bad octets and bad lengths', () => {
    expect(parseCidr('10.20.0.0/16')).toEqual({ base: (10 * 256 + 20) * 256 * 256, prefixLength: 16 });
    expect(parseCidr('10.20.0.1/16')).toBeUndefined();
    expect(parseCidr('10.300.0.0/16')).toBeUndefined();
    expect(parseCidr('10.0.0.0/33')).toBeUndefined();
    expect(parseCidr('10.0.0.0')).toBeUndefined();
  });

  it('allocates aligned subnets in order and formats them back', () => {
    const blocks = allocateSubnets(parseCidr('10.0.0.0/16')!, [19, 19, 24, 24])!;
    expect(blocks.map(formatCidr)).toEqual(['10.0.0.0/19', '10.0.32.0/19', '10.0.64.0/24', '10.0.65.0/24']);
  });

  it('aligns a larger block after a smaller one', () => {
    const blocks = allocateSubnets(parseCidr('10.0.0.0/16')!, [24, 20])!;
    expect(blocks.map(formatCidr)).toEqual(['10.0.0.0/24', '10.0.16.0/20']);
  });

  it('returns undefined when the subnets do not fit', () => {
    expect(allocateSubnets(parseCidr('10.0.0.0/20')!, [19])).toBeUndefined();
    expect(allocateSubnets(parseCidr('10.0.0.0/18')!, [19, 19, 24])).toBeUndefined();
  });

  it('detects overlap', () => {
    expect(cidrsOverlap(parseCidr('10.0.0.0/16')!, parseCidr('10.0.128.0/17')!)).toBe(true);
    expect(cidrsOverlap(parseCidr('10.0.0.0/16')!, parseCidr('10.1.0.0/16')!)).toBe(false);
  });
});
