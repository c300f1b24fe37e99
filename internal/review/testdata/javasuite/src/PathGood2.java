package files;
import java.io.*;
import javax.servlet.http.*;

public class PathGood2 extends HttpServlet {
    protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String dir = request.getHeader("X-Dir");
        if (!java.util.Set.of("daily", "weekly").contains(dir)) {
            response.sendError(400);
            return;
        }
        java.nio.file.Path p = java.nio.file.Paths.get("/srv/uploads", dir, "index.txt");
        response.getOutputStream().write(java.nio.file.Files.readAllBytes(p));
    }
}
