import { READ_MODELS } from "../../state/readModels";

/** A stable colour slot per read model (CSS classes series-0…series-5), the same in chart and legend. */
export function seriesIndex(readModel: string): number {
  const known = (READ_MODELS as string[]).indexOf(readModel);
  if (known >= 0) return known;
  let hash = 0;
  for (const char of readModel) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return READ_MODELS.length + (hash % 2);
}
