//! Complementary suppression: no withheld count can be worked out from the others.
//!
//! Withholding the counts from 1 to 4 (primary suppression) is not enough when the cells of a
//! table add up: "Donne" withheld in a district whose "Totale" is 12 and "Uomini" 8 gives back
//! 4. A [`Grid`] holds the published cells and every additive relation between them (parts
//! summing to a total); [`Grid::protect`] withholds the small counts, then, one small count
//! at a time, the cheapest set of other cells that lets it move by the protection span with
//! every relation holding: the linear program of Fischetti and Salazar's single-cell model, as
//! in τ-ARGUS and sdcTable, solved cell by cell (greedy over the cells, so not minimal over the
//! table). A cell costs its value, so small cells go before totals.
//!
//! The attacker modelled knows every published cell, every relation, that withheld cells are
//! at least 1 (zeros are always published) and nothing else; the range of a withheld cell is
//! the minimum and maximum of a linear program over the withheld cells of its relations (real
//! values: an integer attacker could gain at most rounding).

use microlp::{ComparisonOp, OptimizationDirection, Problem};

use crate::reports::statistics::SUPPRESSION_MAX;

/// A withheld small count is safe when the values consistent with everything published span
/// at least this much: it cannot be told exactly, nor to within ±2.
pub const PROTECTION_SPAN: f64 = 5.0;

/// A published count, and whether it is withheld.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cell {
    pub value: i64,
    pub withheld: bool,
}

impl Cell {
    /// A count withheld for its own sake: from 1 to [`SUPPRESSION_MAX`].
    pub fn is_small(&self) -> bool {
        (1..=SUPPRESSION_MAX).contains(&self.value)
    }
}

/// Cells that add up: the sum of `parts` is `total`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relation {
    pub parts: Vec<usize>,
    pub total: usize,
}

/// The cells of an answer and the relations between them.
#[derive(Debug, Clone, Default)]
pub struct Grid {
    cells: Vec<Cell>,
    relations: Vec<Relation>,
    /// For each cell, the relations it is in.
    relations_of: Vec<Vec<usize>>,
}

/// The range of values of a withheld cell consistent with what is published; `None` above: no
/// upper bound.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Range {
    pub low: f64,
    pub high: Option<f64>,
}

impl Range {
    pub fn span(&self) -> f64 {
        self.high.map_or(f64::INFINITY, |high| high - self.low)
    }
}

impl Grid {
    /// A published cell; answers its id.
    pub fn cell(&mut self, value: i64) -> usize {
        self.cells.push(Cell { value, withheld: false });
        self.relations_of.push(Vec::new());
        self.cells.len() - 1
    }

    pub fn cells(&self) -> &[Cell] {
        &self.cells
    }

    pub fn relations(&self) -> &[Relation] {
        &self.relations
    }

    /// Declares that `parts` add up to `total`, when they do: a relation the figures do not
    /// satisfy (a person with two citizenships counted under both) gives an attacker nothing
    /// exact, and one they satisfy is assumed known.
    pub fn relate(&mut self, parts: Vec<usize>, total: usize) {
        let sum: i64 = parts.iter().map(|p| self.cells[*p].value).sum();
        if !parts.is_empty() && sum == self.cells[total].value {
            let id = self.relations.len();
            for cell in parts.iter().copied().chain(std::iter::once(total)) {
                self.relations_of[cell].push(id);
            }
            self.relations.push(Relation { parts, total });
        }
    }

    /// Withholds the small counts, then as many other cells as it takes for none of them to be
    /// worked out.
    pub fn protect(&mut self) {
        for cell in &mut self.cells {
            cell.withheld = cell.is_small();
        }
        let sensitive: Vec<usize> = (0..self.cells.len()).filter(|c| self.cells[*c].is_small()).collect();
        // Withholding more never narrows a range (the published value stays one of the values
        // a cell may take), so a count made safe stays safe.
        for exposed in sensitive {
            match self.cheapest_cover(exposed) {
                Some(cover) => {
                    for cell in cover {
                        self.cells[cell].withheld = true;
                    }
                }
                // No way to move it was found: everything linked to it goes.
                None => self.withhold_component(exposed),
            }
        }
    }

    /// The cheapest cells to withhold so that `exposed` may be [`PROTECTION_SPAN`] more than it
    /// is: a change of every cell of its component (up or down, each at least 1 after it) that
    /// keeps every relation, `exposed` raised by the span, of least cost, where a cell costs
    /// its value per unit of change and nothing when already withheld. The cells the change
    /// moves are the cover: with them withheld, the raised table is one an attacker cannot rule
    /// out, so the range of `exposed` spans the span. `None` when the solver finds none.
    fn cheapest_cover(&self, exposed: usize) -> Option<Vec<usize>> {
        let component = self.component(exposed);
        let mut problem = Problem::new(OptimizationDirection::Minimize);
        // Zeros are always published, so they never move: constants, not variables.
        let mut moves = std::collections::HashMap::new();
        for c in component.iter().copied().filter(|c| self.cells[*c].value > 0) {
            let cell = self.cells[c];
            let cost = if cell.withheld { 0.0 } else { cell.value as f64 };
            let up = if c == exposed { (PROTECTION_SPAN, PROTECTION_SPAN) } else { (0.0, f64::INFINITY) };
            let down = if c == exposed { (0.0, 0.0) } else { (0.0, (cell.value - 1) as f64) };
            moves.insert(c, (problem.add_var(cost, up), problem.add_var(cost, down)));
        }
        for relation in self.relations_around(&component) {
            let mut terms = Vec::new();
            let signed = relation.parts.iter().map(|p| (*p, 1.0)).chain(std::iter::once((relation.total, -1.0)));
            for (c, sign) in signed {
                if let Some((up, down)) = moves.get(&c) {
                    terms.push((*up, sign));
                    terms.push((*down, -sign));
                }
            }
            if !terms.is_empty() {
                problem.add_constraint(terms.as_slice(), ComparisonOp::Eq, 0.0);
            }
        }
        let solution = problem.solve().ok()?;
        let moved = |variable| *solution.var_value(variable) > 1e-6;
        let cover = moves.iter().filter(|(_, (up, down))| moved(*up) || moved(*down)).map(|(c, _)| *c);
        Some(cover.filter(|c| !self.cells[*c].withheld).collect())
    }

    /// The last resort: every published non-zero cell linked to `cell`.
    fn withhold_component(&mut self, cell: usize) {
        for other in self.component(cell) {
            if self.cells[other].value > 0 {
                self.cells[other].withheld = true;
            }
        }
    }

    /// The relations of the cells of `component`, once each.
    fn relations_around(&self, component: &[usize]) -> Vec<&Relation> {
        let mut ids: Vec<usize> = component.iter().flat_map(|c| self.relations_of[*c].iter().copied()).collect();
        ids.sort_unstable();
        ids.dedup();
        ids.into_iter().map(|r| &self.relations[r]).collect()
    }

    /// Cells that share a relation with `cell`.
    fn neighbours(&self, cell: usize) -> Vec<usize> {
        self.relations_of[cell]
            .iter()
            .map(|r| &self.relations[*r])
            .flat_map(|r| r.parts.iter().copied().chain(std::iter::once(r.total)))
            .collect()
    }

    /// The cells linked to `cell` through relations, `cell` included.
    fn component(&self, cell: usize) -> Vec<usize> {
        let mut seen = vec![false; self.cells.len()];
        let mut stack = vec![cell];
        seen[cell] = true;
        while let Some(current) = stack.pop() {
            for next in self.neighbours(current) {
                if !seen[next] {
                    seen[next] = true;
                    stack.push(next);
                }
            }
        }
        (0..self.cells.len()).filter(|c| seen[*c]).collect()
    }

    /// What an attacker can tell of a withheld cell: the least and greatest value it can take
    /// with every relation of its component holding, every other withheld cell at least 1 and
    /// every published cell as published.
    pub fn range(&self, cell: usize) -> Range {
        let value = self.cells[cell].value as f64;
        if !self.cells[cell].withheld {
            return Range { low: value, high: Some(value) };
        }
        let component = self.component(cell);
        let relations = self.relations_around(&component);
        let bound = |direction| {
            let mut problem = Problem::new(direction);
            let mut variables = std::collections::HashMap::new();
            for c in component.iter().copied().filter(|c| self.cells[*c].withheld) {
                let objective = if c == cell { 1.0 } else { 0.0 };
                variables.insert(c, problem.add_var(objective, (1.0, f64::INFINITY)));
            }
            for relation in &relations {
                let mut terms = Vec::new();
                let mut known = 0.0;
                let signed = relation.parts.iter().map(|p| (*p, 1.0)).chain(std::iter::once((relation.total, -1.0)));
                for (c, sign) in signed {
                    match variables.get(&c) {
                        Some(variable) => terms.push((*variable, sign)),
                        None => known += sign * self.cells[c].value as f64,
                    }
                }
                if !terms.is_empty() {
                    problem.add_constraint(terms.as_slice(), ComparisonOp::Eq, -known);
                }
            }
            problem.solve().map(|solution| solution.objective())
        };
        // The true values satisfy every constraint, so the program is feasible; a failure of
        // the solver is read as "no bound", the side that withholds more.
        let low = bound(OptimizationDirection::Minimize).unwrap_or(1.0);
        let high = bound(OptimizationDirection::Maximize).ok();
        Range { low, high }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Men, women, other and the total of two districts, and the same summed over both.
    fn two_districts(values: [[i64; 3]; 2]) -> (Grid, Vec<[usize; 4]>) {
        let mut grid = Grid::default();
        let mut rows = Vec::new();
        for block in values.iter().copied().map(Some).chain(std::iter::once(None)) {
            let counts = block.unwrap_or([0, 1, 2].map(|i| values[0][i] + values[1][i]));
            let cells = counts.map(|n| grid.cell(n));
            let total = grid.cell(counts.iter().sum());
            grid.relate(cells.to_vec(), total);
            rows.push([cells[0], cells[1], cells[2], total]);
        }
        for ((first, second), total) in rows[0].into_iter().zip(rows[1]).zip(rows[2]) {
            grid.relate(vec![first, second], total);
        }
        (grid, rows)
    }

    #[test]
    fn a_withheld_count_that_a_total_gives_back_takes_another_with_it() {
        // Milano: 8 men, 4 women, 0 other (12); Bergamo: 20 men, 9 women, 0 other.
        let (mut grid, rows) = two_districts([[8, 4, 0], [20, 9, 0]]);
        grid.protect();
        let women = rows[0][1];
        assert!(grid.cells()[women].withheld);
        assert!(grid.range(women).span() >= PROTECTION_SPAN, "{:?}", grid.range(women));
        let withheld = grid.cells().iter().filter(|c| c.withheld).count();
        assert!(withheld >= 4, "a rectangle at least: {withheld}");
        assert!(!grid.cells()[rows[2][3]].withheld || withheld > 4);
    }

    #[test]
    fn nothing_more_is_withheld_when_nothing_small_is_published() {
        let (mut grid, _) = two_districts([[8, 6, 0], [20, 9, 0]]);
        grid.protect();
        assert!(grid.cells().iter().all(|c| !c.withheld));
    }

    #[test]
    fn the_range_is_what_the_relations_leave() {
        let mut grid = Grid::default();
        let (a, b, total) = (grid.cell(3), grid.cell(10), grid.cell(13));
        grid.relate(vec![a, b], total);
        grid.cells[a].withheld = true;
        assert_eq!(grid.range(a), Range { low: 3.0, high: Some(3.0) });
        grid.cells[b].withheld = true;
        assert_eq!(grid.range(a), Range { low: 1.0, high: Some(12.0) });
        grid.cells[total].withheld = true;
        assert_eq!(grid.range(a).high, None);
        // A relation the figures do not satisfy is not declared.
        let mut grid = Grid::default();
        let (a, total) = (grid.cell(3), grid.cell(2));
        grid.relate(vec![a], total);
        assert!(grid.relations().is_empty());
    }
}
