// The datasets plugin's pages, and "Add to dataset" on the trace page (a trace action).
// Each page's module is imported the first time it is shown.

import { lazy, registerTraceAction } from "/static/app/ui.js";

export default function register(ui) {
  ui.page("datasets", lazy(() => import("./datasets.js"), "DatasetsPage"), { title: "Datasets" });
  ui.page("datasets/:datasetId", lazy(() => import("./dataset.js"), "DatasetPage"), { title: "Dataset" });
  ui.page("datasets/:datasetId/items/:itemId", lazy(() => import("./item.js"), "ItemPage"), { title: "Dataset item" });
  ui.page("datasets/:datasetId/compare", lazy(() => import("./compare.js"), "ComparePage"), { title: "Compare runs" });
  registerTraceAction({
    id: "add-to-dataset",
    label: "Add to dataset",
    available: (ctx) => ctx.canWrite,
    component: lazy(() => import("./add_to_dataset.js"), "AddToDataset"),
  });
}
