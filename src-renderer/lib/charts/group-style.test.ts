// Group styles: colour is the mean type's palette colour everywhere; MuonClip on is dashed;
// groups that would look identical get further dashes.
import { describe, expect, it } from 'vitest';
import { MUONCLIP_DASH, SOLID, presetColour } from '../palette.js';
import { assignGroupStyles } from './group-style.js';

describe('assignGroupStyles', () => {
  it('colours by preset and dashes MuonClip-on groups', () => {
    const styles = assignGroupStyles(
      [
        { groupKey: 'h-off', preset: 'hmpo' },
        { groupKey: 'h-on', preset: 'hmpo' },
        { groupKey: 'g-off', preset: 'gspo' },
      ],
      (key) => key.endsWith('-on'),
    );
    expect(styles.get('h-off')).toEqual({ colour: presetColour('hmpo'), dash: SOLID });
    expect(styles.get('h-on')).toEqual({ colour: presetColour('hmpo'), dash: MUONCLIP_DASH });
    expect(styles.get('g-off')!.colour).toBe(presetColour('gspo'));
  });

  it('gives a further dash to a second group with the same preset and MuonClip setting', () => {
    const styles = assignGroupStyles(
      [
        { groupKey: 'lr-1', preset: 'amp' },
        { groupKey: 'lr-2', preset: 'amp' },
      ],
      () => false,
    );
    expect(styles.get('lr-1')!.dash).toEqual(SOLID);
    expect(styles.get('lr-2')!.dash).not.toEqual(SOLID);
    expect(styles.get('lr-2')!.colour).toBe(presetColour('amp'));
  });

  it('uses the theme’s shade of the preset colour', () => {
    const styles = assignGroupStyles([{ groupKey: 'a', preset: 'agm' }], () => false, 'dark');
    expect(styles.get('a')!.colour).toBe(presetColour('agm', 'dark'));
  });
});
