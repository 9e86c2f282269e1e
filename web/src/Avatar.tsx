// A user's or room's picture, or their initials on a colour derived from the name.
import { assetUrl } from "./api";
import { initials } from "./format";

export function Avatar({ name, url, size = 36 }: { name: string; url: string | null; size?: number }) {
  const hue = [...name].reduce((h, ch) => (h * 31 + ch.charCodeAt(0)) % 360, 7);
  const style = { width: `${size}px`, height: `${size}px`, fontSize: `${Math.round(size * 0.4)}px` };
  return url ? (
    <img class="avatar" src={assetUrl(url)!} alt={`${name}'s picture`} style={style} />
  ) : (
    <span class="avatar" aria-hidden="true" style={{ ...style, background: `hsl(${hue} 55% 45%)` }}>
      {initials(name)}
    </span>
  );
}
